/**
 * The sign-in form: one password field for an API token (made with `ordo tokens create`).
 * The token is kept for this browser session only.
 */
import { useState } from 'preact/hooks';

export interface TokenFormProps {
  /** Why the form shows: a refused or revoked token. */
  message?: string | undefined;
  busy: boolean;
  onSubmit(token: string): void;
}

export function TokenForm({ message, busy, onSubmit }: TokenFormProps) {
  const [value, setValue] = useState('');
  const [missing, setMissing] = useState(false);
  return (
    <main id="main" class="signin">
      <form
        class="card signin-card"
        onSubmit={(event) => {
          event.preventDefault();
          const trimmed = value.trim();
          setMissing(trimmed === '');
          if (trimmed) onSubmit(trimmed);
        }}
      >
        <h1>Ordo</h1>
        <p>This server asks for an API token. Make one with <code>ordo tokens create --scope read</code> (or write, or admin).</p>
        <label for="token-input">API token</label>
        <input
          id="token-input"
          type="password"
          autoComplete="off"
          value={value}
          aria-invalid={missing || Boolean(message)}
          aria-describedby={missing || message ? 'token-error' : undefined}
          onInput={(event) => setValue(event.currentTarget.value)}
          autoFocus
        />
        {(missing || message) && (
          <p id="token-error" class="field-error" role="alert">
            {missing ? 'Enter a token.' : message}
          </p>
        )}
        <p class="hint">Kept for this browser session only.</p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

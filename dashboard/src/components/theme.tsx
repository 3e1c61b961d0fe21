/**
 * Light, dark, or whatever the system says; the choice is remembered in localStorage. An
 * explicit choice is set as `data-theme` on `<html>` (the stylesheet's colours follow it);
 * "system" leaves it to `prefers-color-scheme`. Charts, which draw with colours rather than
 * CSS, ask `useResolvedTheme()` and redraw when it changes.
 */
import { useEffect, useState } from 'preact/hooks';

export type ThemeChoice = 'light' | 'dark' | 'system';
export type Theme = 'light' | 'dark';

const THEME_KEY = 'ordo.theme';
const CHOICES: ThemeChoice[] = ['system', 'light', 'dark'];
const listeners = new Set<() => void>();
const darkQuery = (): MediaQueryList => matchMedia('(prefers-color-scheme: dark)');

export function themeChoice(): ThemeChoice {
  const stored = localStorage.getItem(THEME_KEY);
  return CHOICES.includes(stored as ThemeChoice) ? (stored as ThemeChoice) : 'system';
}

export function resolvedTheme(): Theme {
  const choice = themeChoice();
  if (choice !== 'system') return choice;
  return darkQuery().matches ? 'dark' : 'light';
}

/** Sets `data-theme` from the stored choice: call before the first render, so no page flashes. */
export function applyTheme(): void {
  const choice = themeChoice();
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

export function setThemeChoice(choice: ThemeChoice): void {
  localStorage.setItem(THEME_KEY, choice);
  applyTheme();
  for (const listener of listeners) listener();
}

/** The theme in effect, re-rendering when the choice or the system's preference changes. */
export function useResolvedTheme(): Theme {
  const [theme, setTheme] = useState(resolvedTheme);
  useEffect(() => {
    const update = () => setTheme(resolvedTheme());
    const query = darkQuery();
    listeners.add(update);
    query.addEventListener('change', update);
    return () => {
      listeners.delete(update);
      query.removeEventListener('change', update);
    };
  }, []);
  return theme;
}

export function ThemeToggle() {
  const [choice, setChoice] = useState(themeChoice);
  return (
    <label class="theme-toggle">
      <span>Theme</span>
      <select
        value={choice}
        onChange={(event) => {
          const next = event.currentTarget.value as ThemeChoice;
          setThemeChoice(next);
          setChoice(next);
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

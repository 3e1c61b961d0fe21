/**
 * A labelled form control with its hint and its error. The error sits right under the
 * control, is tied to it by `aria-describedby` and marks it `aria-invalid`, so a screen
 * reader reads the server's words about this field when the field is focused.
 */
import type { ComponentChildren, VNode } from 'preact';

/** What the control inside a field must carry to be tied to its label, hint and error. */
export interface FieldControl {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
  required?: boolean;
}

export interface FieldProps {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | null;
  required?: boolean;
  /** Renders the control with the attributes given. */
  children: (control: FieldControl) => VNode;
  /** A checkbox puts its label after the box. */
  inline?: boolean;
}

export function Field({ id, label, hint, error, required = false, children, inline = false }: FieldProps) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  const control = children({ id, required, ...(described ? { 'aria-describedby': described } : {}), ...(error ? { 'aria-invalid': true } : {}) });
  // The star is for the eye; the control's `required` tells assistive technology, and the
  // label's text stays exactly the field's name.
  const text = (
    <span class="label">
      <label for={id}>{label}</label>
      {required && (
        <span class="required" aria-hidden="true">
          {' *'}
        </span>
      )}
    </span>
  );
  return (
    <div class={`field${inline ? ' field-inline' : ''}${error ? ' field-invalid' : ''}`}>
      {inline ? control : text}
      {inline ? text : control}
      {hint && (
        <p class="hint muted" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The value of an input event's target. */
export function valueOf(event: Event): string {
  return (event.currentTarget as HTMLInputElement).value;
}

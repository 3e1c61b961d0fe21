/** What an unknown path shows: where you are and a way back. */
export function NotFound() {
  return (
    <section class="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{location.pathname}</code>. <a href="/">Go to the overview</a>.
      </p>
    </section>
  );
}

/**
 * The login form: the console's token, typed once, opens a session.
 */
import { assetPath } from './asset-routes';
import { html, type Html } from './page-html';

/** The login page, with `error` shown above the form after a wrong token. */
export function renderLoginPage(options: { basePath: string; next?: string; error?: string }): string {
  const { basePath } = options;
  const page: Html = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Log in · rebound console</title>
<link rel="stylesheet" href="${assetPath(basePath, 'console.css')}">
<link rel="icon" href="${assetPath(basePath, 'favicon.svg')}" type="image/svg+xml">
</head>
<body class="login-body">
<main class="login">
  <form method="post" action="${basePath}/login" class="card login-card">
    <h1><span class="brand-mark" aria-hidden="true">↻</span> rebound console</h1>
    <p class="muted">Type the console's token: the value of <code>REBOUND_CONSOLE_TOKEN</code> where it runs.</p>
    ${options.error ? html`<p class="form-error" role="alert">${options.error}</p>` : ''}
    <label for="token">Token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <input type="hidden" name="next" value="${options.next ?? ''}">
    <button type="submit" class="primary">Log in</button>
  </form>
</main>
</body>
</html>`;
  return page.text;
}

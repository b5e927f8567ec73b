/**
 * The frame of every page: head, header with navigation, and the assets. Pages get what they
 * need about the request through a {@link PageContext}.
 */
import { assetPath } from './asset-routes';
import { html, type Html } from './page-html';

/** What every page knows about where it is served and who asks. */
export interface PageContext {
  basePath: string;
  taskQueue: string;
  namespace: string;
  readOnly: boolean;
  /** Whether edited payloads can be checked (job types were given). */
  canEditPayload: boolean;
  uiUrl: string;
  /** The session's CSRF token; absent when the request came with a bearer token or the console is open. */
  csrf?: string;
  /** True when a session is open, so a log-out button makes sense. */
  loggedIn: boolean;
}

type Section = 'overview' | 'jobs' | 'groups' | 'job' | 'none';

const navItems: [Exclude<Section, 'job' | 'none'>, string, string][] = [
  ['overview', '/', 'Overview'],
  ['jobs', '/jobs', 'Dead jobs'],
  ['groups', '/groups', 'Failure groups'],
];

/** A whole page around `body`. */
export function layout(ctx: PageContext, options: { title: string; section: Section; body: Html; scripts?: string[] }): Html {
  const { basePath } = ctx;
  const scripts = [...(options.scripts ?? []), 'console.js'];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${ctx.csrf ? html`<meta name="csrf-token" content="${ctx.csrf}">` : ''}
<meta name="console-base" content="${basePath}">
<title>${options.title} · rebound console</title>
<link rel="stylesheet" href="${assetPath(basePath, 'console.css')}">
<link rel="icon" href="${assetPath(basePath, 'favicon.svg')}" type="image/svg+xml">
</head>
<body>
<header class="top">
  <div class="top-inner">
    <a class="brand" href="${basePath}/"><span class="brand-mark" aria-hidden="true">↻</span> rebound</a>
    <nav aria-label="Sections">
      ${navItems.map(([key, path, label]) => html`<a href="${basePath}${path}"${options.section === key ? html` aria-current="page"` : ''}>${label}</a>`)}
    </nav>
    <div class="top-meta">
      <span class="queue" title="Namespace ${ctx.namespace}">queue <strong>${ctx.taskQueue}</strong></span>
      ${ctx.readOnly ? html`<span class="badge badge-readonly" title="This console serves no action">read-only</span>` : ''}
      ${ctx.loggedIn && ctx.csrf
        ? html`<form method="post" action="${basePath}/logout" class="logout"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button class="link-button" type="submit">Log out</button></form>`
        : ''}
    </div>
  </div>
</header>
<main>
${options.body}
</main>
${scripts.map((s) => html`<script src="${assetPath(basePath, s)}" defer></script>`)}
</body>
</html>`;
}

/** A page that says what went wrong (unknown job, server unreachable...). */
export function errorPage(ctx: PageContext, status: number, title: string, message: string): Html {
  return layout(ctx, {
    title,
    section: 'none',
    body: html`<section class="card error-card"><h1>${title}</h1><p>${message}</p><p><a href="${ctx.basePath}/jobs">Back to the dead jobs</a></p><p class="muted">HTTP ${status}</p></section>`,
  });
}

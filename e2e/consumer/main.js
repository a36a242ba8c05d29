// One page, two views: `?view=dashboard` is a Vue app, anything else a page without Vue. The
// dashboard is loaded on demand, so the plain view shows that a tab not using Vue never loads it.
if (new URLSearchParams(location.search).get('view') === 'dashboard') await import('./dashboard.js')
else await import('./plain.js')

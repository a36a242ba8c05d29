// One page, four views: `?view=dashboard` and `?view=seed` are Vue apps, `?view=react` a React
// app, anything else a page with neither. Views are loaded on demand, so the plain view shows that
// a tab using neither framework never loads one.
const view = new URLSearchParams(location.search).get('view')
if (view === 'dashboard') await import('./dashboard.js')
else if (view === 'seed') await import('./seed.js')
else if (view === 'react') await import('./react.js')
else await import('./plain.js')

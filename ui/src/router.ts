// A hash router is all a single-window desktop app needs: `#/cards` survives a webview reload,
// needs no server, and the browser's back/forward keys work.
import { useEffect, useState } from 'react';

function current(): string {
  return globalThis.location?.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
}

export function navigate(route: string): void {
  globalThis.location.hash = `#/${route}`;
}

/** The route in the address hash, re-rendering on change. */
export function useHashRoute(): string {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    globalThis.addEventListener('hashchange', onChange);
    return () => globalThis.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

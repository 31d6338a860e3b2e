// usePersistent is useState kept in localStorage under key, so that a
// workspace opens as it was left (columns, filter, chart settings, colours).
import { useEffect, useState } from 'preact/hooks';

export function usePersistent<T>(key: string, initial: T): [T, (v: T | ((old: T) => T)) => void] {
  const [v, setV] = useState<T>(() => {
    try {
      const s = localStorage.getItem(key);
      return s === null ? initial : (JSON.parse(s) as T);
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    try {
      localStorage.setItem(key, JSON.stringify(v));
    } catch {
      /* storage full or disabled: settings last for the page only */
    }
  }, [key, v]);
  return [v, setV];
}

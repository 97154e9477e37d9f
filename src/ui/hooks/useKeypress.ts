// The one stdin listener. Ink 6.6 emits whole stdin chunks; splitKeys cuts them into single keys, and we keep each key's raw bytes
// (input mode forwards them to the app untouched) and parse them with our own table (F-keys included).
import { useEffect, useRef } from 'react';
import { useStdin } from 'ink';
import { parseKey, splitKeys, type KeyEvent } from '../keys.js';

export function useKeypress(handler: (key: KeyEvent) => void): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: emitter } = useStdin();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const onInput = (chunk: string) => {
      for (const raw of splitKeys(chunk)) ref.current(parseKey(raw));
    };
    emitter.on('input', onInput);
    return () => {
      emitter.off('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [emitter, setRawMode, isRawModeSupported]);
}

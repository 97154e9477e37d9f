// The terminal's size, re-read on every 'resize' so the layout (and the frame height) follows the window.
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface Size {
  cols: number;
  rows: number;
}

function read(stdout: NodeJS.WriteStream): Size {
  return { cols: stdout.columns || 80, rows: stdout.rows || 24 };
}

export function useTerminalSize(): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const onResize = () => setSize((old) => {
      const next = read(stdout);
      return next.cols === old.cols && next.rows === old.rows ? old : next;
    });
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

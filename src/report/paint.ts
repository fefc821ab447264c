import { styleText } from 'node:util';

export type Style = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold';
export type Paint = (style: Style, text: string) => string;

/**
 * Colour when asked to, and only then: the caller decides (TTY, NO_COLOR); `validateStream: false`
 * keeps `styleText` from looking at `process.stdout` and the environment itself.
 */
export function painter(color: boolean): Paint {
  return color ? (style, text) => styleText(style, text, { validateStream: false }) : (_style, text) => text;
}

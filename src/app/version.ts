// perftop's version, from package.json. The path is relative to this file's directory, two levels below the package
// root both in dist/app/ and in the bundle (dist/bundle/perftop.js), like every other import.meta.url path here.
import { readFileSync } from 'node:fs';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

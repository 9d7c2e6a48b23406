/**
 * A minimal POSIX ustar writer, enough for an image layer: regular files and directories, no links,
 * no PAX headers. The decoy image is built in process, and node has no tar of its own; a layer is
 * what `docker save` or BuildKit would write for the same files (paths relative to the root,
 * directories before their contents and ending in "/", two zero blocks at the end).
 */
export interface TarEntry {
  /** Relative to the image root, no leading "/" (as in every layer); a directory ends in "/". */
  path: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  uid?: number;
  gid?: number;
  /** A file's contents; a directory has none. */
  body?: Buffer;
}

const BLOCK = 512;

/** An octal field as tar's readers expect: zero-padded digits, then a NUL. */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = Math.trunc(value).toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width - 1} octal digits`);
  header.write(digits.padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

/** ustar keeps 100 bytes of name and 155 of prefix, split at a "/". */
function splitPath(path: string): [prefix: string, name: string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  const body = path.endsWith('/') ? path.slice(0, -1) : path;
  for (let i = body.indexOf('/'); i !== -1; i = body.indexOf('/', i + 1)) {
    const prefix = body.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`tar: ${path} is too long for ustar`);
}

function header(entry: TarEntry): Buffer {
  const dir = entry.path.endsWith('/');
  const size = dir ? 0 : (entry.body?.length ?? 0);
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitPath(entry.path);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, entry.mode & 0o7777);
  octal(h, 108, 8, entry.uid ?? 0);
  octal(h, 116, 8, entry.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, entry.mtime);
  h.write(dir ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0' + '00', 257, 8, 'ascii');
  octal(h, 329, 8, 0);
  octal(h, 337, 8, 0);
  h.write(prefix, 345, 155, 'utf8');
  // The checksum is summed with its own field as eight spaces, then written as six digits, NUL, space.
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    if (!entry.path.endsWith('/') && entry.body?.length) {
      parts.push(entry.body, Buffer.alloc((BLOCK - (entry.body.length % BLOCK)) % BLOCK));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

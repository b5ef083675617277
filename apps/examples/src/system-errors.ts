// What an errno means for a path the user gave, and what to do about it.
const ERRNO_PROBLEMS: Record<string, string> = {
  ENOTDIR:
    'a part of the path is a file, not a folder. Give a folder path (for -o/--output, a folder that does not exist yet or is a folder)',
  EISDIR: 'it is a folder, not a file. Give the path of a file',
  EEXIST: 'something already exists there. Remove it or choose another path',
  ENOENT: 'it does not exist. Check the path (relative paths start at the working directory)',
  EACCES: 'permission denied. Choose a path you can write, or fix its permissions',
  EPERM: 'the operation is not permitted there. Choose another path, or fix its permissions',
  EROFS: 'the file system is read-only. Choose a path on a writable disk',
  ENOSPC: 'the disk is full. Free space and run again',
  EDQUOT: 'the disk quota is exceeded. Free space and run again',
  EMFILE: 'too many files are open. Close some, or raise the limit (ulimit -n)',
  ENAMETOOLONG: 'the path is too long. Choose a shorter one',
  ELOOP: 'the path has a loop of symbolic links. Fix the links',
};

const OPERATIONS: Record<string, string> = {
  mkdir: 'create the folder',
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'move',
  unlink: 'delete',
  rmdir: 'delete the folder',
  scandir: 'list the folder',
  stat: 'inspect',
  lstat: 'inspect',
  access: 'access',
  copyfile: 'copy',
  symlink: 'link',
  link: 'link',
};

/**
 * A sentence for an operating-system error (`ENOTDIR: not a directory, mkdir 'run/states'`): what
 * was attempted on which path, what is wrong and the fix, with the errno code at the end. Undefined
 * for anything that is not an errno error, so callers fall through to their own handling.
 */
export function describeSystemError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall, path, dest } = error as NodeJS.ErrnoException & { dest?: string };
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code) || (syscall === undefined && path === undefined)) return undefined;
  const problem = ERRNO_PROBLEMS[code] ?? `the system reported ${error.message.split(',')[0]}`;
  const operation = (syscall && OPERATIONS[syscall]) ?? syscall ?? 'use';
  const target = path === undefined ? '' : ` '${path}'${dest === undefined ? '' : ` to '${dest}'`}`;
  return `Cannot ${operation}${target}: ${problem} (${code}).`;
}

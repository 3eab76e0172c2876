import { StoreLockedError } from "@threadmill/core";

/** A held single-owner lock; `release()` removes it (idempotent). */
export interface PgliteLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  hostname: string;
  acquiredAt: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the single-owner lock file of an embedded store: a file holding the owner's pid, created
 * atomically. A lock whose pid is gone (on this host) is taken over at once.
 * @throws StoreLockedError when a live process holds it.
 */
export async function acquirePgliteLock(lockPath: string, storePath: string): Promise<PgliteLock> {
  const fs = await import("node:fs/promises");
  const os = await import("node:os");
  const me: Owner = { pid: process.pid, hostname: os.hostname(), acquiredAt: Date.now() };
  const temp = `${lockPath}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(temp, JSON.stringify(me));
  const readOwner = async (): Promise<Owner | null> => {
    try {
      const owner = JSON.parse(await fs.readFile(lockPath, "utf8")) as Owner;
      return typeof owner?.pid === "number" ? owner : null;
    } catch {
      return null;
    }
  };
  try {
    for (let round = 0; round < 50; round++) {
      try {
        // link() creates the lock with its full content in one step, failing when it exists.
        await fs.link(temp, lockPath);
        return makeLock(lockPath, fs);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = await readOwner();
      if (owner && owner.pid === process.pid && owner.hostname === me.hostname) {
        throw new StoreLockedError({ path: storePath, ownerPid: owner.pid });
      }
      if (owner && (owner.hostname !== me.hostname || alive(owner.pid))) {
        throw new StoreLockedError({ path: storePath, ownerPid: owner.pid });
      }
      // The owner is gone (or the file is unreadable garbage): take the lock over, then make sure no
      // other process took it over at the same moment (the last rename wins; the others back off).
      await fs.rename(temp, lockPath);
      await new Promise((r) => setTimeout(r, 30));
      const now = await readOwner();
      if (now?.pid === process.pid && now.acquiredAt === me.acquiredAt) return makeLock(lockPath, fs);
      if (now && alive(now.pid)) throw new StoreLockedError({ path: storePath, ownerPid: now.pid });
      await fs.writeFile(temp, JSON.stringify(me));
    }
    throw new StoreLockedError({ path: storePath, ownerPid: (await readOwner())?.pid ?? -1 });
  } finally {
    await fs.rm(temp, { force: true });
  }
}

function makeLock(path: string, fs: typeof import("node:fs/promises")): PgliteLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      try {
        const owner = JSON.parse(await fs.readFile(path, "utf8")) as Owner;
        if (owner.pid === process.pid) await fs.rm(path, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}

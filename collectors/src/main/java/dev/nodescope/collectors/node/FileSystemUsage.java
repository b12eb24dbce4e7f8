package dev.nodescope.collectors.node;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * statfs of a mounted filesystem, in bytes: size, free (including root's reserve) and available to
 * users.
 */
interface FileSystemUsage {
  Usage of(Path mountPoint) throws IOException;

  record Usage(long sizeBytes, long freeBytes, long availableBytes) {}

  /**
   * The JDK's statvfs: size = f_blocks, free = f_bfree, available = f_bavail, each times f_frsize.
   */
  FileSystemUsage FILE_STORE =
      mountPoint -> {
        FileStore store = Files.getFileStore(mountPoint);
        return new Usage(
            store.getTotalSpace(), store.getUnallocatedSpace(), store.getUsableSpace());
      };
}

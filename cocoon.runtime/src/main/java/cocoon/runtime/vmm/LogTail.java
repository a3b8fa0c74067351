package cocoon.runtime.vmm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The end of what a process wrote to its log since a given offset, folded onto one line for an error message. */
final class LogTail {

    static final int MAX_CHARS = 2000;

    private LogTail() {}

    static long size(Path log) {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static String since(Path log, long offset) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(offset, file.length() - MAX_CHARS);
            byte[] bytes = new byte[(int) Math.max(0, file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8).strip().replaceAll("\\s*\\R\\s*", " | ");
            return text.isEmpty() ? "(it wrote nothing)" : (start > offset ? "…" : "") + text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

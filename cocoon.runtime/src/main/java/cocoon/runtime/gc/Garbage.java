package cocoon.runtime.gc;

import java.nio.file.Path;

/** One thing the collector removes (or would remove), why, and its size. */
public record Garbage(Path path, String reason, long bytes) {}

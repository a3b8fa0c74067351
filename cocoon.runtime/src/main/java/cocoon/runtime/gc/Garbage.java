package cocoon.runtime.gc;

/** One thing the collector removes (or would remove): a file's path or a network's thing on the host, why, and its size. */
public record Garbage(String what, String reason, long bytes) {}

package cocoon.api;

/**
 * One step of a long operation on one item (a layer, a download).
 *
 * @param item   what it is about, e.g. a short layer digest
 * @param done   bytes done so far
 * @param total  bytes expected, or -1 when unknown
 */
public record ProgressEvent(String item, Phase phase, long done, long total, String detail) {

    public enum Phase {
        STARTED,
        PROGRESS,
        DONE,
        MESSAGE
    }

    public static ProgressEvent started(String item, long total) {
        return new ProgressEvent(item, Phase.STARTED, 0, total, "");
    }

    public static ProgressEvent progress(String item, long done, long total) {
        return new ProgressEvent(item, Phase.PROGRESS, done, total, "");
    }

    public static ProgressEvent done(String item, long total, String detail) {
        return new ProgressEvent(item, Phase.DONE, total, total, detail);
    }

    public static ProgressEvent message(String item, String detail) {
        return new ProgressEvent(item, Phase.MESSAGE, 0, -1, detail);
    }
}

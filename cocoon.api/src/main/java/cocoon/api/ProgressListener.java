package cocoon.api;

/** Receives pull progress; the CLI renders it as live lines on a terminal or plain lines otherwise. */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener SILENT = event -> {};

    void on(ProgressEvent event);
}

package cocoon.runtime.progress;

import cocoon.api.ProgressEvent;
import cocoon.api.ProgressListener;
import cocoon.runtime.config.Sizes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Renders pull progress on stderr: on a terminal one live line per item (bytes, total, rate),
 * redrawn in place; otherwise plain lines for each start, finish and message.
 */
public final class ProgressRenderer implements ProgressListener {

    private static final long REDRAW_MILLIS = 100;

    private final PrintStream out;
    private final boolean live;
    private final boolean quiet;
    private final Map<String, Line> lines = new LinkedHashMap<>();
    private final long started = System.nanoTime();
    private int drawn;
    private long lastDraw;

    ProgressRenderer(PrintStream out, boolean live, boolean quiet) {
        this.out = out;
        this.live = live;
        this.quiet = quiet;
    }

    public static ProgressRenderer forStderr(boolean quiet) {
        return new ProgressRenderer(System.err, stderrIsTerminal(), quiet);
    }

    @Override
    public synchronized void on(ProgressEvent event) {
        if (quiet) {
            return;
        }
        Line line = lines.computeIfAbsent(event.item(), item -> new Line(System.nanoTime()));
        line.event = event;
        if (live) {
            long now = System.currentTimeMillis();
            if (event.phase() != ProgressEvent.Phase.PROGRESS || now - lastDraw >= REDRAW_MILLIS) {
                redraw();
                lastDraw = now;
            }
        } else if (event.phase() != ProgressEvent.Phase.PROGRESS) {
            out.println(text(event.item(), line));
            out.flush();
        }
    }

    /** Final state of every line and the elapsed time. */
    public synchronized void finish() {
        if (quiet) {
            return;
        }
        if (live) {
            redraw();
        }
        out.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - started) / 1e9);
        out.flush();
    }

    private void redraw() {
        StringBuilder frame = new StringBuilder();
        if (drawn > 0) {
            frame.append("\033[").append(drawn).append('A');
        }
        for (var entry : lines.entrySet()) {
            frame.append("\r\033[2K")
                    .append(text(entry.getKey(), entry.getValue()))
                    .append('\n');
        }
        drawn = lines.size();
        out.print(frame);
        out.flush();
    }

    private static String text(String item, Line line) {
        ProgressEvent e = line.event;
        return switch (e.phase()) {
            case STARTED -> item + ": started" + (e.total() > 0 ? " (" + Sizes.human(e.total()) + ")" : "");
            case PROGRESS -> {
                double seconds = Math.max(0.001, (System.nanoTime() - line.since) / 1e9);
                String total = e.total() > 0 ? " / " + Sizes.human(e.total()) : "";
                yield item + ": " + Sizes.human(e.done()) + total + "  " + Sizes.human((long) (e.done() / seconds))
                        + "/s";
            }
            case DONE -> item + ": done" + (e.detail().isEmpty() ? "" : " (" + e.detail() + ")");
            case MESSAGE -> item + ": " + e.detail();
        };
    }

    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The latest event of one item and when the item first appeared (for its rate). */
    private static final class Line {
        final long since;
        ProgressEvent event;

        Line(long since) {
            this.since = since;
        }
    }
}

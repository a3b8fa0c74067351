package cocoon.runtime.cli;

import java.time.Duration;
import java.time.Instant;

/** "3 minutes ago", as Docker shows creation times. */
final class Ages {

    private Ages() {}

    static String ago(Instant when, Instant now) {
        if (when == null) {
            return "-";
        }
        long s = Math.max(0, Duration.between(when, now).toSeconds());
        if (s < 60) {
            return s <= 1 ? "just now" : s + " seconds ago";
        }
        long[] sizes = {60, 3600, 86400, 86400 * 7, 86400 * 30, 86400 * 365};
        String[] names = {"minute", "hour", "day", "week", "month", "year"};
        int i = sizes.length - 1;
        while (s < sizes[i]) {
            i--;
        }
        long n = s / sizes[i];
        return n + " " + names[i] + (n == 1 ? "" : "s") + " ago";
    }
}

package cocoon.runtime.config;

import cocoon.api.InvalidInputException;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as people type them ({@code 512M}, {@code 1.5G}, {@code 1024K}, plain bytes); binary units. */
public final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);
    private static final String UNITS = "KMGT";

    private Sizes() {
    }

    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new InvalidInputException("invalid size '" + text + "'",
                    "use a number with an optional unit K, M, G or T, e.g. 512M, 2G, 1.5G");
        }
        String unit = m.group(2).toUpperCase(Locale.ROOT);
        int shift = unit.isEmpty() ? 0 : 10 * (UNITS.indexOf(unit) + 1);
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new InvalidInputException("size '" + text + "' is too large", "use a size below 8E");
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new InvalidInputException("size '" + text + "' is not a whole number of bytes",
                    "use fewer decimals or a smaller unit");
        }
        return bytes.longValueExact();
    }

    /** The shortest exact spelling in the largest unit: 1073741824 -> 1G, 1610612736 -> 1.5G, 1000 -> 1000B. */
    public static String format(long bytes) {
        for (int i = UNITS.length(); i > 0; i--) {
            long unit = 1L << (10 * i);
            if (bytes >= unit) {
                BigDecimal value = BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(unit));
                if (value.scale() <= 1 || value.stripTrailingZeros().scale() <= 1) {
                    return value.stripTrailingZeros().toPlainString() + UNITS.charAt(i - 1);
                }
            }
        }
        return bytes + "B";
    }

    /** Rounded for tables: 1.2G, 340M, 12K. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        int exp = Math.min(4, (63 - Long.numberOfLeadingZeros(bytes)) / 10);
        double value = bytes / (double) (1L << (10 * exp));
        String digits = value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value);
        return digits + UNITS.charAt(exp - 1);
    }
}

package cocoon.runtime.config;

import cocoon.api.InvalidInputException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as people type them ({@code 512M}, {@code 1.5G}, {@code 1024K}, plain bytes); binary units. */
public final class Sizes {

    private static final Pattern SIZE =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);
    private static final String UNITS = "KMGT";

    private Sizes() {}

    /**
     * Whole numbers, which the defaults and most flags are, are parsed in {@code long} arithmetic:
     * the first use of {@link BigDecimal} in a JVM costs ~30 ms of class set-up (JDK 25 computes
     * 5^(2^16) in its static initializer). Decimals ({@code 1.5G}) go through it to stay exact.
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new InvalidInputException(
                    "invalid size '" + text + "'",
                    "use a number with an optional unit K, M, G or T, e.g. 512M, 2G, 1.5G");
        }
        String unit = m.group(2).toUpperCase(Locale.ROOT);
        int shift = unit.isEmpty() ? 0 : 10 * (UNITS.indexOf(unit) + 1);
        String number = m.group(1);
        if (number.indexOf('.') < 0) {
            try {
                return Math.multiplyExact(Long.parseLong(number), 1L << shift);
            } catch (ArithmeticException | NumberFormatException e) {
                throw tooLarge(text);
            }
        }
        BigDecimal bytes = new BigDecimal(number).multiply(BigDecimal.valueOf(1L << shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw tooLarge(text);
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new InvalidInputException(
                    "size '" + text + "' is not a whole number of bytes", "use fewer decimals or a smaller unit");
        }
        return bytes.longValueExact();
    }

    private static InvalidInputException tooLarge(String text) {
        return new InvalidInputException("size '" + text + "' is too large", "use a size below 8E");
    }

    /** The shortest exact spelling in the largest unit: 1073741824 -> 1G, 1610612736 -> 1.5G, 1000 -> 1000B. */
    public static String format(long bytes) {
        for (int i = UNITS.length(); i > 0; i--) {
            long unit = 1L << (10 * i);
            long tenths = bytes % unit * 10;
            if (bytes >= unit && tenths % unit == 0) {
                long whole = bytes / unit;
                return (tenths == 0 ? Long.toString(whole) : whole + "." + tenths / unit) + UNITS.charAt(i - 1);
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
        String digits =
                value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value);
        return digits + UNITS.charAt(exp - 1);
    }
}

package cocoon.runtime.config;

import cocoon.api.SettingKind;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one spelling of each kind of setting, for every section of the config file: durations
 * {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}; sizes {@code 512M}, {@code 64G}. Earlier releases
 * also took bare or fractional seconds for durations; those are still read, marked as old spellings.
 */
public final class SettingSyntax {

    /** What earlier releases took for a duration: a number of seconds, fractions allowed. */
    private static final Pattern OLD_SECONDS = Pattern.compile("\\d+(\\.\\d+)?");

    private SettingSyntax() {
    }

    /** A value read from the config file. */
    record Parsed(Object value, boolean oldSpelling) {}

    /** The value {@code text} stands for, or null when the kind does not accept it. */
    static Parsed parse(SettingKind<?> kind, String text) {
        String value = text.strip();
        try {
            return switch (kind) {
                case SettingKind.Duration d -> duration(value);
                case SettingKind.Size s -> new Parsed(Sizes.parse(value), false);
                case SettingKind.WholeNumber n -> {
                    long number = Long.parseLong(value);
                    yield number >= n.min() && number <= n.max() ? new Parsed(number, false) : null;
                }
                case SettingKind.Bool b -> value.equals("true") || value.equals("false")
                        ? new Parsed(Boolean.parseBoolean(value), false) : null;
                case SettingKind.Text t -> value.isEmpty() ? null : new Parsed(value, false);
                case SettingKind.Path p -> value.isEmpty() ? null : new Parsed(Path.of(value), false);
                case SettingKind.Choice c -> c.words().stream().filter(word -> word.equalsIgnoreCase(value)).findFirst()
                        .map(word -> new Parsed(word, false)).orElse(null);
            };
        } catch (RuntimeException e) {
            // Sizes and Durations refuse with their own messages; the caller names the section and key instead.
            return null;
        }
    }

    private static Parsed duration(String value) {
        Duration duration;
        boolean old = OLD_SECONDS.matcher(value).matches();
        if (old) {
            duration = Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
        } else {
            duration = Durations.parse(value);
        }
        return duration.isPositive() ? new Parsed(duration, old) : null;
    }

    /** The value as it would be written in the config file, quotes included where TOML needs them. */
    public static String toml(SettingKind<?> kind, Object value) {
        return switch (kind) {
            case SettingKind.WholeNumber n -> value.toString();
            case SettingKind.Bool b -> value.toString();
            default -> '"' + text(kind, value).replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        };
    }

    /** The value in its one spelling: {@code 30s}, {@code 64G}, {@code true}. */
    public static String text(SettingKind<?> kind, Object value) {
        return switch (kind) {
            case SettingKind.Duration d -> Durations.format((Duration) value);
            case SettingKind.Size s -> Sizes.format((Long) value);
            default -> value.toString();
        };
    }

    /** What a value of this kind must look like, for the error that refuses one. */
    public static String accepted(SettingKind<?> kind) {
        return switch (kind) {
            case SettingKind.Duration d -> "a duration such as 500ms, 30s, 5m or 1h";
            case SettingKind.Size s -> "a size such as 512M or 64G";
            case SettingKind.WholeNumber n -> "a whole number from " + n.min() + " to " + n.max();
            case SettingKind.Bool b -> "true or false";
            case SettingKind.Text t -> "text that is not empty";
            case SettingKind.Path p -> "a path";
            case SettingKind.Choice c -> "one of " + words(c);
        };
    }

    /** A short name of the kind, for listings: {@code duration}, {@code 1..16}, {@code auto|kvm|tcg}. */
    public static String name(SettingKind<?> kind) {
        return switch (kind) {
            case SettingKind.Duration d -> "duration";
            case SettingKind.Size s -> "size";
            case SettingKind.WholeNumber n -> "whole number " + n.min() + ".." + n.max();
            case SettingKind.Bool b -> "boolean";
            case SettingKind.Text t -> "text";
            case SettingKind.Path p -> "path";
            case SettingKind.Choice c -> words(c);
        };
    }

    private static String words(SettingKind.Choice choice) {
        return choice.words().stream().map(word -> word.isEmpty() ? "\"\"" : word)
                .collect(Collectors.joining("|"));
    }
}

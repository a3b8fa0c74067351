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
 * Kinds are told apart with instanceof: a switch over the sealed kinds bootstraps a type switch at run
 * time, classes the ahead-of-time cache cannot hold (~30 ms of every command with a config file).
 */
public final class SettingSyntax {

    /** What earlier releases took for a duration: a number of seconds, fractions allowed. */
    private static final Pattern OLD_SECONDS = Pattern.compile("\\d+(\\.\\d+)?");

    private SettingSyntax() {}

    /** A value read from the config file. */
    record Parsed(Object value, boolean oldSpelling) {}

    /** The value {@code text} stands for, or null when the kind does not accept it. */
    static Parsed parse(SettingKind<?> kind, String text) {
        String value = text.strip();
        try {
            return switch (kind) {
                case SettingKind.Duration() -> duration(value);
                case SettingKind.Size() -> new Parsed(Sizes.parse(value), false);
                case SettingKind.WholeNumber range -> {
                    long number = Long.parseLong(value);
                    yield number >= range.min() && number <= range.max() ? new Parsed(number, false) : null;
                }
                case SettingKind.Bool() ->
                    value.equals("true") || value.equals("false")
                            ? new Parsed(Boolean.parseBoolean(value), false)
                            : null;
                // A relative path in a config file would depend on where each command happens to run.
                case SettingKind.Path() -> value.startsWith("/") ? new Parsed(Path.of(value), false) : null;
                case SettingKind.Choice choice ->
                    choice.words().stream()
                            .filter(word -> word.equalsIgnoreCase(value))
                            .findFirst()
                            .map(word -> new Parsed(word, false))
                            .orElse(null);
                case SettingKind.Text textKind ->
                    value.isEmpty() && !textKind.mayBeEmpty() ? null : new Parsed(value, false);
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
        if (kind instanceof SettingKind.WholeNumber || kind instanceof SettingKind.Bool) {
            return value.toString();
        }
        return '"' + text(kind, value).replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** The value in its one spelling: {@code 30s}, {@code 64G}, {@code true}. */
    public static String text(SettingKind<?> kind, Object value) {
        if (kind instanceof SettingKind.Duration) {
            return Durations.format((Duration) value);
        } else if (kind instanceof SettingKind.Size) {
            return Sizes.format((Long) value);
        }
        return value.toString();
    }

    /** What a value of this kind must look like, for the error that refuses one. */
    public static String accepted(SettingKind<?> kind) {
        return switch (kind) {
            case SettingKind.Duration() -> "a duration such as 500ms, 30s, 5m or 1h";
            case SettingKind.Size() -> "a size such as 512M or 64G";
            case SettingKind.WholeNumber range -> "a whole number from " + range.min() + " to " + range.max();
            case SettingKind.Bool() -> "true or false";
            case SettingKind.Path() -> "an absolute path";
            case SettingKind.Choice choice -> "one of " + words(choice);
            case SettingKind.Text text -> text.mayBeEmpty() ? "text" : "text that is not empty";
        };
    }

    /** A short name of the kind, for listings: {@code duration}, {@code whole number 1..16}, {@code auto|kvm|tcg}. */
    public static String name(SettingKind<?> kind) {
        return switch (kind) {
            case SettingKind.Duration() -> "duration";
            case SettingKind.Size() -> "size";
            case SettingKind.WholeNumber range -> "whole number " + range.min() + ".." + range.max();
            case SettingKind.Bool() -> "boolean";
            case SettingKind.Path() -> "path";
            case SettingKind.Choice choice -> words(choice);
            case SettingKind.Text unused -> "text";
        };
    }

    private static String words(SettingKind.Choice choice) {
        return choice.words().stream()
                .map(word -> word.isEmpty() ? "\"\"" : word)
                .collect(Collectors.joining("|"));
    }
}

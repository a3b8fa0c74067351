package cocoon.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One key of a plugin's config section as its provider declares it: what it accepts, its default and
 * one line of help. The runtime reads the config file against these declarations, so a bad value is
 * refused by every command, and {@code cocoon config} lists every key with where its value came from.
 *
 * @param formerKeys names this key had in earlier releases; still read, with a deprecation line
 * @param secret     never printed when set by the user ({@code cocoon config} shows {@code <redacted>})
 */
public record Setting<T>(
        String key, SettingKind<T> kind, T defaultValue, String help, List<String> formerKeys, boolean secret) {

    public Setting {
        // Checked without a regex: every plugin's settings are built at the start of every command.
        if (key == null
                || key.isEmpty()
                || !key.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            throw new IllegalArgumentException("setting key '" + key + "' is not lower_snake_case");
        }
        if (defaultValue == null || !kind.javaType().isInstance(defaultValue)) {
            throw new IllegalArgumentException("setting " + key + ": default " + defaultValue + " is not a "
                    + kind.javaType().getSimpleName());
        }
        if (help == null || help.isBlank()) {
            throw new IllegalArgumentException("setting " + key + " has no help");
        }
        formerKeys = List.copyOf(formerKeys);
    }

    public static Setting<Duration> duration(String key, Duration defaultValue, String help) {
        return new Setting<>(key, new SettingKind.Duration(), defaultValue, help, List.of(), false);
    }

    /** A number of bytes, written with a binary unit: {@code 512M}, {@code 64G}. */
    public static Setting<Long> size(String key, long defaultBytes, String help) {
        return new Setting<>(key, new SettingKind.Size(), defaultBytes, help, List.of(), false);
    }

    public static Setting<Long> wholeNumber(String key, long defaultValue, long min, long max, String help) {
        return new Setting<>(key, new SettingKind.WholeNumber(min, max), defaultValue, help, List.of(), false);
    }

    public static Setting<Boolean> bool(String key, boolean defaultValue, String help) {
        return new Setting<>(key, new SettingKind.Bool(), defaultValue, help, List.of(), false);
    }

    public static Setting<String> text(String key, String defaultValue, String help) {
        return new Setting<>(key, new SettingKind.Text(false), defaultValue, help, List.of(), false);
    }

    /** Text that may be left empty, its default: empty means none. */
    public static Setting<String> optionalText(String key, String help) {
        return new Setting<>(key, new SettingKind.Text(true), "", help, List.of(), false);
    }

    public static Setting<java.nio.file.Path> path(String key, java.nio.file.Path defaultValue, String help) {
        return new Setting<>(key, new SettingKind.Path(), defaultValue, help, List.of(), false);
    }

    public static Setting<String> choice(String key, String defaultValue, List<String> words, String help) {
        return new Setting<>(key, new SettingKind.Choice(words), defaultValue, help, List.of(), false);
    }

    /** The same setting, also read under the name it had before. */
    public Setting<T> renamedFrom(String formerKey) {
        List<String> former = new ArrayList<>(formerKeys);
        former.add(formerKey);
        return new Setting<>(key, kind, defaultValue, help, former, secret);
    }

    /** The same setting, its configured value never printed. */
    public Setting<T> asSecret() {
        return new Setting<>(key, kind, defaultValue, help, formerKeys, true);
    }
}

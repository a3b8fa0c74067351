package cocoon.runtime.config;

import cocoon.api.InvalidInputException;
import cocoon.api.Setting;
import cocoon.api.SettingValues;
import cocoon.runtime.config.EffectiveSetting.Origin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One {@code [section]} of the config file read against the settings declared for it: every declared
 * key with its value (the file's, else the default), and a note for each old spelling the file used.
 *
 * @param name        the section; empty for the top-level keys
 * @param oldSpellings one line per old spelling read, saying the new one
 */
public record ConfigSection(String name, List<EffectiveSetting> settings, List<String> oldSpellings) {

    public ConfigSection {
        settings = List.copyOf(settings);
        oldSpellings = List.copyOf(oldSpellings);
    }

    /**
     * Reads {@code written} (key to value as the file spells it) against {@code declared}. An unknown key
     * or a value its kind does not accept is refused in one line naming the section and key; {@code file}
     * (null when there is none) is named too.
     */
    public static ConfigSection read(Path file, String name, List<Setting<?>> declared, Map<String, String> written) {
        Map<String, Setting<?>> byKey = new LinkedHashMap<>();
        for (Setting<?> setting : declared) {
            byKey.put(setting.key(), setting);
            setting.formerKeys().forEach(former -> byKey.putIfAbsent(former, setting));
        }
        // By key name: hashing a record bootstraps its hashCode at run time, classes no start-up cache holds.
        Map<String, String> keyUsed = new LinkedHashMap<>();
        for (String key : written.keySet()) {
            Setting<?> setting = byKey.get(key);
            if (setting == null) {
                throw new InvalidInputException(
                        where(file) + " has unknown key '" + key + "'" + in(name),
                        declared.isEmpty()
                                ? "this section takes no keys"
                                : "known: "
                                        + declared.stream()
                                                .map(Setting::key)
                                                .sorted()
                                                .collect(Collectors.joining(", ")));
            }
            String earlier = keyUsed.putIfAbsent(setting.key(), key);
            if (earlier != null) {
                throw new InvalidInputException(
                        where(file) + ": " + label(name, setting.key()) + " is set twice, as " + earlier + " and as "
                                + key,
                        "keep only " + setting.key());
            }
        }
        List<EffectiveSetting> settings = new ArrayList<>();
        List<String> oldSpellings = new ArrayList<>();
        for (Setting<?> setting : declared) {
            String key = keyUsed.get(setting.key());
            if (key == null) {
                settings.add(new EffectiveSetting(name, setting, setting.defaultValue(), Origin.DEFAULT, null));
                continue;
            }
            String text = written.get(key);
            SettingSyntax.Parsed parsed = SettingSyntax.parse(setting.kind(), text);
            if (parsed == null) {
                throw new InvalidInputException(
                        where(file) + ": " + label(name, key) + " = \"" + text + "\" is not valid",
                        setting.key() + " takes " + SettingSyntax.accepted(setting.kind()));
            }
            if (parsed.oldSpelling() || !key.equals(setting.key())) {
                oldSpellings.add(
                        where(file) + ": " + label(name, key) + " = \"" + text + "\" is an old spelling: write "
                                + setting.key() + " = " + SettingSyntax.toml(setting.kind(), parsed.value()));
            }
            settings.add(new EffectiveSetting(name, setting, parsed.value(), Origin.FILE, null));
        }
        return new ConfigSection(name, settings, oldSpellings);
    }

    /** What a plugin reading this section is handed. */
    public SettingValues values() {
        SettingValues values = SettingValues.defaults(List.of());
        for (EffectiveSetting setting : settings) {
            values = values.with(setting.setting(), setting.value());
        }
        return values;
    }

    static String where(Path file) {
        return file == null ? "config" : "config file " + file;
    }

    private static String in(String section) {
        return section.isEmpty() ? "" : " in [" + section + "]";
    }

    private static String label(String section, String key) {
        return section.isEmpty() ? key : "[" + section + "] " + key;
    }
}

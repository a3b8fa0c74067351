package cocoon.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plugin's config section as the runtime read it: one value of the declared type per declared
 * setting, already checked, so a plugin never parses a string.
 */
public final class SettingValues {

    private final Map<String, Setting<?>> declared = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();

    private SettingValues() {}

    /** Every declared setting at its default: what a section missing from the config file gives. */
    public static SettingValues defaults(List<Setting<?>> settings) {
        SettingValues section = new SettingValues();
        settings.forEach(setting -> section.put(setting, setting.defaultValue()));
        return section;
    }

    /** These values with {@code setting} (declared or not yet) at {@code value}, which must be of its type. */
    public SettingValues with(Setting<?> setting, Object value) {
        SettingValues section = new SettingValues();
        section.declared.putAll(declared);
        section.values.putAll(values);
        section.put(setting, value);
        return section;
    }

    /** The value of a setting the plugin's provider declared. */
    @SuppressWarnings("ReferenceEquality") // the identity test is a deliberate fast path before equals
    public <T> T get(Setting<T> setting) {
        Setting<?> known = declared.get(setting.key());
        // Identity first: comparing records bootstraps their equals at run time, code no start-up cache holds.
        if (known == null || (known != setting && !known.kind().equals(setting.kind()))) {
            throw new IllegalArgumentException("setting " + setting.key() + " (" + setting.kind()
                    + ") is not among the settings the provider declared: " + declared.keySet());
        }
        return setting.kind().javaType().cast(values.get(setting.key()));
    }

    private void put(Setting<?> setting, Object value) {
        if (!setting.kind().javaType().isInstance(value)) {
            throw new IllegalArgumentException("setting " + setting.key() + ": " + value + " is not a "
                    + setting.kind().javaType().getSimpleName());
        }
        declared.put(setting.key(), setting);
        values.put(setting.key(), value);
    }
}

package cocoon.runtime.config;

import cocoon.api.CocoonException;
import cocoon.api.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which keys each {@code [section]} of the config file takes, as the runtime and the plugins declare
 * them. Several declarers may share a section (an image source and the disk builder of its kind); a
 * key they both declare must be declared alike, since the file holds one value for it.
 */
public final class SettingSections {

    private record Declared(Setting<?> setting, String owner) {}

    private final Map<String, Map<String, Declared>> sections = new LinkedHashMap<>();

    /** Adds the settings {@code owner} (e.g. {@code image source oci}) reads from {@code [section]}. */
    public SettingSections declare(String section, String owner, List<Setting<?>> settings) {
        Map<String, Declared> keys = sections.computeIfAbsent(section, name -> new LinkedHashMap<>());
        for (Setting<?> setting : settings) {
            Declared earlier = keys.putIfAbsent(setting.key(), new Declared(setting, owner));
            if (earlier != null && !alike(earlier.setting(), setting)) {
                throw new CocoonException(
                        "plugins disagree on [" + section + "] " + setting.key() + ": " + earlier.owner() + " declares "
                                + described(earlier.setting()) + ", " + owner + " " + described(setting),
                        "remove the plugin jar that is wrong from the plugins folder, or report it to its author");
            }
        }
        return this;
    }

    /** Adds every section of {@code other}, with the same checks. */
    public SettingSections declareAll(SettingSections other) {
        other.sections.forEach((section, keys) ->
                keys.values().forEach(d -> declare(section, d.owner(), List.of(d.setting()))));
        return this;
    }

    public Set<String> names() {
        return sections.keySet();
    }

    /** The settings of {@code [section]} in the order they were declared; empty for an unknown section. */
    public List<Setting<?>> section(String section) {
        List<Setting<?>> settings = new ArrayList<>();
        sections.getOrDefault(section, Map.of()).values().forEach(d -> settings.add(d.setting()));
        return settings;
    }

    private static boolean alike(Setting<?> a, Setting<?> b) {
        return a.kind().equals(b.kind()) && a.defaultValue().equals(b.defaultValue());
    }

    private static String described(Setting<?> setting) {
        return "a " + SettingSyntax.name(setting.kind()) + " with default "
                + SettingSyntax.text(setting.kind(), setting.defaultValue());
    }
}

package cocoon.runtime.cli;

import cocoon.api.SettingKind;
import cocoon.runtime.config.EffectiveSetting;
import cocoon.runtime.config.SettingSyntax;
import cocoon.runtime.config.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cocoon config}: every key of every section with its effective value and where the value came
 * from; as TOML (a config file one can start from) or as JSON.
 */
final class ConfigCommand extends CliCommand {

    enum Format {
        toml,
        json
    }

    private final CocoonCommand root;
    private final Value<Format> format = optionWithDefault(
            Format.class, "toml|json", "toml", "Output format (default: ${DEFAULT-VALUE}).", "--format");

    ConfigCommand(CocoonCommand root) {
        super("Show every setting: its value, where it came from (default, file, environment, flag) and what it does.");
        this.root = root;
    }

    @Override
    public void run() {
        Settings settings = root.app().settings();
        if (format.get() == Format.json) {
            JsonOutput.print(json(settings));
        } else {
            System.out.print(toml(settings));
        }
    }

    private static String toml(Settings settings) {
        StringBuilder out = new StringBuilder();
        EffectiveSetting file = settings.configFile();
        out.append("# Every setting, its value and where the value came from. Config file: ")
                .append(file.text())
                .append(" (")
                .append(file.source())
                .append(settings.configFound() ? "" : "; not found")
                .append(")\n");
        String section = "";
        List<EffectiveSetting> effective = settings.effective();
        int width = effective.stream()
                .mapToInt(s -> s.setting().key().length() + 3 + s.toml().length())
                .max()
                .orElse(0);
        for (EffectiveSetting setting : effective) {
            if (!setting.section().equals(section)) {
                section = setting.section();
                out.append("\n[").append(section).append("]\n");
            }
            out.append("# ")
                    .append(setting.setting().help())
                    .append(" (")
                    .append(SettingSyntax.name(setting.setting().kind()))
                    .append(")\n");
            String line = setting.setting().key() + " = " + setting.toml();
            out.append(line)
                    .append(" ".repeat(width - line.length() + 2))
                    .append("# ")
                    .append(setting.source());
            if (setting.origin() != EffectiveSetting.Origin.DEFAULT) {
                out.append("; default ")
                        .append(SettingSyntax.toml(
                                setting.setting().kind(), setting.setting().defaultValue()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static Map<String, Object> json(Settings settings) {
        List<Map<String, Object>> keys = new ArrayList<>();
        for (EffectiveSetting setting : settings.effective()) {
            Map<String, Object> key = new LinkedHashMap<>();
            key.put("section", setting.section());
            key.put("key", setting.setting().key());
            key.put(
                    "value",
                    setting.redacted()
                            ? setting.text()
                            : jsonValue(setting.setting().kind(), setting.value()));
            key.put(
                    "default",
                    jsonValue(setting.setting().kind(), setting.setting().defaultValue()));
            key.put("type", SettingSyntax.name(setting.setting().kind()));
            key.put("source", setting.origin().label());
            if (setting.via() != null) {
                key.put("via", setting.via());
            }
            key.put("help", setting.setting().help());
            keys.add(key);
        }
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("path", settings.configFile().text());
        file.put("source", settings.configFile().origin().label());
        file.put("found", settings.configFound());
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("configFile", file);
        all.put("settings", keys);
        return all;
    }

    /** Numbers and booleans as JSON has them; everything else in its one spelling. */
    private static Object jsonValue(SettingKind<?> kind, Object value) {
        return kind instanceof SettingKind.WholeNumber || kind instanceof SettingKind.Bool
                ? value
                : SettingSyntax.text(kind, value);
    }
}

package cocoon.runtime.config;

import cocoon.api.Setting;

/**
 * One key's value once precedence is applied, and where the value came from.
 *
 * @param section the config section, empty for the top-level directory keys
 * @param via     the flag or environment variable that gave the value; null for a default or the file
 */
public record EffectiveSetting(String section, Setting<?> setting, Object value, Origin origin, String via) {

    public enum Origin {
        DEFAULT,
        FILE,
        ENVIRONMENT,
        FLAG;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final String REDACTED = "<redacted>";

    /** The value in its one spelling ({@code 30s}, {@code 64G}); a secret the user set shows as {@code <redacted>}. */
    public String text() {
        return redacted() ? REDACTED : SettingSyntax.text(setting.kind(), value);
    }

    /** As {@link #text()}, written as TOML. */
    public String toml() {
        return redacted() ? '"' + REDACTED + '"' : SettingSyntax.toml(setting.kind(), value);
    }

    /** A secret's default is in the documentation anyway; what the user set is theirs. */
    public boolean redacted() {
        return setting.secret() && origin != Origin.DEFAULT;
    }

    /** {@code default}, {@code file}, {@code environment COCOON_ROOT_DIR}, {@code flag --root-dir}. */
    public String source() {
        return via == null ? origin.label() : origin.label() + " " + via;
    }
}

package cocoon.runtime.vm;

import cocoon.api.InvalidInputException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** VM names: what is valid, and the default one made from an image reference. */
public final class VmNames {

    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");

    private VmNames() {}

    public static String validate(String name) {
        if (name == null || !VALID.matcher(name).matches() || name.contains("..")) {
            throw new InvalidInputException(
                    "invalid VM name '" + name + "'",
                    "use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }

    /** {@code cocoon-<image base name>}, with {@code -2}, {@code -3}... appended until it is not taken. */
    public static String defaultFor(String imageReference, Set<String> taken) {
        String base = imageReference;
        int at = base.indexOf('@');
        if (at >= 0) {
            base = base.substring(0, at);
        }
        base = base.replaceAll("/+$", "");
        base = base.substring(base.lastIndexOf('/') + 1);
        int colon = base.indexOf(':');
        if (colon >= 0) {
            base = base.substring(0, colon);
        }
        base = base.replaceAll("\\.(img|qcow2|raw|iso|vmdk|vhdx|xz|gz)$", "").replaceAll("\\.(img|qcow2|raw)$", "");
        base = base.toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_.-]+", "-")
                .replaceAll("\\.{2,}", ".")
                .replaceAll("^[^a-z0-9]+", "");
        String stem = ("cocoon-" + (base.isEmpty() ? "vm" : base));
        stem = stem.substring(0, Math.min(stem.length(), 56));
        String candidate = stem;
        for (int n = 2; taken.contains(candidate); n++) {
            candidate = stem + "-" + n;
        }
        return candidate;
    }
}

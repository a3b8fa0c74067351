package cocoon.plugin.oci.layer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks every entry name of a layer passes, whether the layer is unpacked into a folder or written as EROFS
 * from its tar stream: no absolute names, no {@code ..}, no component longer than a file system holds.
 */
final class TarNames {

    /** The prefix of a whiteout entry, {@code .wh.NAME}, which hides {@code NAME} of the layers below. */
    static final String WHITEOUT = ".wh.";

    /** The longest name, in bytes, an EROFS folder entry or a Linux file system holds. */
    private static final int NAME_MAX = 255;

    private TarNames() {}

    /** Splits {@code path} (the entry's name or its link target) into checked components; {@code name} is for errors. */
    static List<String> components(String layer, String path, String name) {
        if (path.startsWith("/")) {
            throw new UnsafeLayerException(layer, name, "uses the absolute path \"" + path + "\"");
        }
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            checkComponent(layer, part, name);
            parts.add(part);
        }
        return parts;
    }

    static void checkComponent(String layer, String part, String name) {
        if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
            throw new UnsafeLayerException(layer, name, "leaves the layer root (\"..\" or an empty name)");
        }
        // A whiteout names the file it hides without its prefix, and that is the name stored.
        String stored = part.startsWith(WHITEOUT) ? part.substring(WHITEOUT.length()) : part;
        int bytes = stored.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > NAME_MAX) {
            throw new UnsafeLayerException(
                    layer,
                    name,
                    "has a name of " + bytes + " bytes: File name too long (" + NAME_MAX
                            + " at most in EROFS and Linux file systems)");
        }
    }
}

package cocoon.plugin.cloudimage.download;

import cocoon.api.InvalidInputException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Expected sha256 digests: a {@code sha256:HEX} option, or a line of a SHA256SUMS file. */
public final class Checksums {

    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");
    /** GNU coreutils style: {@code HEX  name} (text mode) or {@code HEX *name} (binary mode). */
    private static final Pattern GNU_LINE = Pattern.compile("^([0-9a-fA-F]{64}) [ *](.+)$");
    /** BSD style, as Fedora's CHECKSUM files write it: {@code SHA256 (name) = HEX}. */
    private static final Pattern BSD_LINE = Pattern.compile("^SHA256 \\((.+)\\) = ([0-9a-fA-F]{64})$");

    private Checksums() {}

    /** The hex digest of a {@code sha256:HEX} option. */
    public static String parseOption(String checksum) {
        String hex = checksum.startsWith("sha256:") ? checksum.substring("sha256:".length()) : checksum;
        if (!HEX.matcher(hex).matches()) {
            throw new InvalidInputException(
                    "checksum " + checksum + " is not sha256:<64 hex digits>",
                    "pass the image's digest as sha256:<hex>");
        }
        return hex.toLowerCase(Locale.ROOT);
    }

    /** The digest a checksum file lists for {@code fileName}, if any. */
    public static Optional<String> find(String sumsFile, String fileName) {
        for (String raw : sumsFile.split("\\R", -1)) {
            String line = raw.strip();
            Matcher gnu = GNU_LINE.matcher(line);
            if (gnu.matches() && gnu.group(2).equals(fileName)) {
                return Optional.of(gnu.group(1).toLowerCase(Locale.ROOT));
            }
            Matcher bsd = BSD_LINE.matcher(line);
            if (bsd.matches() && bsd.group(1).equals(fileName)) {
                return Optional.of(bsd.group(2).toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }
}

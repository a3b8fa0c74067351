package cocoon.plugin.chv.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Cloud Hypervisor release, as {@code cloud-hypervisor --version} prints it ({@code cloud-hypervisor v54.0.0}). */
public record ChvVersion(int major, int minor, int patch) implements Comparable<ChvVersion> {

    /** Oldest release this driver supports: {@code --firmware}, {@code --balloon deflate_on_oom} and disk serials all exist. */
    public static final ChvVersion MINIMUM = new ChvVersion(38, 0, 0);

    /** Newest release whose grammar the driver was written against; assumed when the binary cannot be asked. */
    public static final ChvVersion CURRENT = new ChvVersion(54, 0, 0);

    /** v50.1 added {@code --disk image_type=} and {@code backing_files=on|off} (off by default: qcow2 backing files refused). */
    static final ChvVersion EXPLICIT_IMAGE_TYPE = new ChvVersion(50, 1, 0);

    // Release builds print vMAJOR.MINOR[.PATCH]; builds from git add -N-gHASH[-dirty].
    private static final Pattern VERSION = Pattern.compile("\\bv(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    public static Optional<ChvVersion> parse(String versionOutput) {
        Matcher matcher = VERSION.matcher(versionOutput == null ? "" : versionOutput);
        if (!matcher.find()) {
            return Optional.empty();
        }
        int patch = matcher.group(3) == null ? 0 : Integer.parseInt(matcher.group(3));
        return Optional.of(
                new ChvVersion(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)), patch));
    }

    public boolean atLeast(ChvVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(ChvVersion other) {
        int byMajor = Integer.compare(major, other.major);
        if (byMajor != 0) {
            return byMajor;
        }
        int byMinor = Integer.compare(minor, other.minor);
        return byMinor != 0 ? byMinor : Integer.compare(patch, other.patch);
    }

    /** {@code 54.0.0}: how a snapshot records the release it was saved on. */
    public String number() {
        return major + "." + minor + "." + patch;
    }

    @Override
    public String toString() {
        return "v" + major + "." + minor + "." + patch;
    }
}

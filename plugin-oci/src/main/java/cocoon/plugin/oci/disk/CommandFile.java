package cocoon.plugin.oci.disk;

import cocoon.api.VmSpec;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The file at the root of the COW disk's file system (beside the overlay's {@code upper/}, so the image never sees
 * it) that tells the guest hook to run a command under its small PID 1 instead of the image's init. The kernel
 * command line holds 2,048 bytes, too few for an environment; this file has no limit.
 *
 * <p>The hook sources it with busybox {@code sh}: every value is one single-quoted word, in which only {@code '}
 * itself needs care, so spaces, quotes, newlines and {@code $} reach the command as given. It sets
 * {@code cocoon_workdir} and {@code cocoon_user} (empty for root) and the positional parameters to the environment's
 * {@code KEY=VALUE} words, then {@code --}, then the command's words: no environment word is {@code --}, as each
 * has a {@code =} after a non-empty name.
 */
public final class CommandFile {

    /** The file's name at the root of the COW disk. */
    public static final String NAME = "command";
    /** What the guest writes at the root of the COW disk once the command exits: its status, one decimal line. */
    public static final String EXIT_STATUS = "exit-status";

    private CommandFile() {}

    public static String render(String vmName, VmSpec.Command command) {
        return "# Written by cocoon create for VM " + vmName.replaceAll("\\R", " ")
                + ": what Cocoon's PID 1 runs (sourced by the guest hook).\n"
                + "cocoon_workdir=" + quote(command.workingDir()) + "\n"
                + "cocoon_user=" + quote(command.user() == null ? "" : command.user()) + "\n"
                + "set -- "
                + words(Stream.concat(Stream.concat(command.env().stream(), Stream.of("--")), command.argv().stream())
                        .toList())
                + "\n";
    }

    /** One shell word that is exactly {@code value}: single quotes, each {@code '} written as {@code '\''}. */
    static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    private static String words(List<String> values) {
        return values.stream().map(CommandFile::quote).collect(Collectors.joining(" "));
    }
}

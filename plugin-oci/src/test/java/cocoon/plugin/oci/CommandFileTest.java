package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.api.VmSpec;
import cocoon.plugin.oci.disk.CommandFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command file, sourced by a real POSIX sh as the guest hook sources it with busybox sh. */
class CommandFileTest {

    private static final List<String> HOSTILE = List.of(
            "with space", "it's", "\"double\"", "$HOME and $(id) and `id`", "two\nlines", "", "back\\slash", "--");

    @TempDir
    Path dir;

    @Test
    void everyWordReachesTheShellExactlyAsGiven() throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("/bin/echo"));
        argv.addAll(HOSTILE);
        VmSpec.Command command = new VmSpec.Command(
                argv, List.of("PATH=/bin", "GREETING=it's $HOME\nnext"), "/srv/it's here", "1000:1000");

        List<String> sourced = source(CommandFile.render("web", command));

        List<String> expected = new java.util.ArrayList<>(
                List.of("workdir=/srv/it's here", "user=1000:1000", "PATH=/bin", "GREETING=it's $HOME\nnext", "--"));
        expected.addAll(argv);
        assertEquals(expected, sourced);
    }

    @Test
    void rootIsAnEmptyUserAndAVmNameCannotBreakTheCommentLine() throws Exception {
        VmSpec.Command command = new VmSpec.Command(List.of("sh"), List.of("PATH=/bin"), "/", null);

        List<String> sourced = source(CommandFile.render("evil\nexit 9", command));

        assertEquals(List.of("workdir=/", "user=", "PATH=/bin", "--", "sh"), sourced);
    }

    /** Sources the file and prints what it set, NUL-separated. */
    private List<String> source(String text) throws Exception {
        Path file = dir.resolve(CommandFile.NAME);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Process sh = new ProcessBuilder(
                        "sh",
                        "-c",
                        ". \"$0\"; printf 'workdir=%s\\0user=%s\\0' \"$cocoon_workdir\" \"$cocoon_user\";"
                                + " printf '%s\\0' \"$@\"",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        byte[] out = sh.getInputStream().readAllBytes();
        sh.waitFor(10, TimeUnit.SECONDS);
        assertEquals(0, sh.exitValue(), new String(out, StandardCharsets.UTF_8));
        String text0 = new String(out, StandardCharsets.UTF_8);
        return Arrays.asList(text0.substring(0, text0.length() - 1).split("\0", -1));
    }
}

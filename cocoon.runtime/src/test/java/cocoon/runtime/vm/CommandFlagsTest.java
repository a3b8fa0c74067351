package cocoon.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.ImageConfig;
import cocoon.api.InvalidInputException;
import cocoon.api.VmSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandFlagsTest {

    private static final ImageConfig PYTHON = new ImageConfig(
            List.of("/usr/bin/tini", "--"),
            List.of("python3", "-m", "http.server"),
            List.of("PATH=/opt/bin:/usr/bin", "LANG=C.UTF-8"),
            "/srv",
            "app");

    private static VmSpec.Command resolve(CommandFlags flags, ImageConfig image, boolean imageCommand) {
        return flags.resolve(image, imageCommand, null, Map.of("TOKEN", "from-cocoon")::get)
                .orElseThrow();
    }

    private static CommandFlags flags(List<String> env, String entrypoint, String workdir, List<String> args) {
        return new CommandFlags(env, entrypoint, workdir, args, false);
    }

    @Test
    void theImageCommandRunsAsItsConfigSaysWhenAskedFor() {
        VmSpec.Command command = resolve(CommandFlags.none(), PYTHON, true);
        assertEquals(List.of("/usr/bin/tini", "--", "python3", "-m", "http.server"), command.argv());
        assertEquals(List.of("PATH=/opt/bin:/usr/bin", "LANG=C.UTF-8"), command.env());
        assertEquals("/srv", command.workingDir());
        assertEquals("app", command.user());
    }

    @Test
    void trailingWordsReplaceCmdAndKeepTheEntrypoint() {
        VmSpec.Command command = resolve(flags(null, null, null, List.of("bash")), PYTHON, false);
        assertEquals(List.of("/usr/bin/tini", "--", "bash"), command.argv());
    }

    @Test
    void entrypointReplacesTheEntrypointAndDropsCmd() {
        assertEquals(
                List.of("/bin/sh"),
                resolve(flags(null, "/bin/sh", null, null), PYTHON, false).argv());
        assertEquals(
                List.of("/bin/sh", "-c", "id"),
                resolve(flags(null, "/bin/sh", null, List.of("-c", "id")), PYTHON, false)
                        .argv());
    }

    @Test
    void envFlagsOverrideAndAddAndKeyAloneTakesCocoonsValue() {
        VmSpec.Command command = resolve(
                flags(List.of("LANG=de_DE", "A=b=c", "TOKEN", "UNSET"), null, null, List.of("env")), PYTHON, false);
        assertEquals(List.of("PATH=/opt/bin:/usr/bin", "LANG=de_DE", "A=b=c", "TOKEN=from-cocoon"), command.env());
    }

    @Test
    void pathDefaultsToDockersWhenTheImageSetsNone() {
        VmSpec.Command command = resolve(flags(null, null, null, List.of("sh")), ImageConfig.none(), false);
        assertEquals(List.of(CommandFlags.DEFAULT_PATH), command.env());
        assertEquals("/", command.workingDir());
        assertEquals(null, command.user());
    }

    @Test
    void workdirAndUserFlagsWin() {
        VmSpec.Command command = new CommandFlags(List.of(), null, "/tmp", List.of("sh"), false)
                .resolve(PYTHON, false, "1000:1000", key -> null)
                .orElseThrow();
        assertEquals("/tmp", command.workingDir());
        assertEquals("1000:1000", command.user());
    }

    @Test
    void withoutACommandTheImageInitRunsAndEnvIsRefused() {
        assertTrue(CommandFlags.none()
                .resolve(PYTHON, false, "cocoon", key -> null)
                .isEmpty());
        assertTrue(new CommandFlags(List.of(), null, null, List.of(), true)
                .resolve(PYTHON, true, null, key -> null)
                .isEmpty());
        InvalidInputException refused = assertThrows(
                InvalidInputException.class,
                () -> flags(List.of("A=1"), null, null, null).resolve(PYTHON, false, null, key -> null));
        assertTrue(refused.getMessage().contains("runs the image's init"), refused.getMessage());
    }

    @Test
    void badInputIsOneLine() {
        assertRefused(flags(null, "", null, null), "--entrypoint is empty");
        assertRefused(flags(List.of("=V"), null, null, List.of("sh")), "-e '=V' names no variable");
        assertRefused(
                new CommandFlags(List.of(), "/bin/sh", null, List.of(), true), "--init runs the image's /sbin/init");
        assertRefused(
                new CommandFlags(List.of(), null, null, List.of("sh"), true), "--init runs the image's /sbin/init");
        assertRefused(flags(null, null, "tmp", List.of("sh")), "is not an absolute path");
    }

    @Test
    void anImageWithNothingToRunIsRefused() {
        InvalidInputException refused = assertThrows(
                InvalidInputException.class,
                () -> CommandFlags.none().resolve(ImageConfig.none(), true, null, k -> null));
        assertEquals("the image has no Entrypoint or Cmd to run", refused.getMessage());
    }

    @Test
    void aUserWithSpacesOrTwoColonsIsRefused() {
        InvalidInputException refused = assertThrows(
                InvalidInputException.class,
                () -> flags(null, null, null, List.of("sh")).resolve(PYTHON, false, "a:b:c", k -> null));
        assertTrue(refused.getMessage().startsWith("--user 'a:b:c'"), refused.getMessage());
    }

    private static void assertRefused(CommandFlags flags, String message) {
        InvalidInputException refused =
                assertThrows(InvalidInputException.class, () -> flags.resolve(PYTHON, false, null, k -> null));
        assertTrue(refused.getMessage().contains(message), refused.getMessage());
        assertEquals(1, refused.getMessage().lines().count());
    }
}

package cocoon.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.CocoonException;
import cocoon.api.Setting;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingSectionsTest {

    private static final Setting<Duration> TOOL_TIMEOUT =
            Setting.duration("tool_timeout", Duration.ofHours(1), "how long a tool may run");

    @Test
    void aSourceAndADiskBuilderShareTheirKindsSectionAndAKeyDeclaredAlikeOnce() {
        SettingSections sections = new SettingSections()
                .declare(
                        "oci", "image source oci", List.of(TOOL_TIMEOUT, Setting.bool("verify", true, "check digests")))
                .declare(
                        "oci",
                        "disk builder oci",
                        List.of(
                                Setting.duration("tool_timeout", Duration.ofHours(1), "the same key"),
                                Setting.duration("format_timeout", Duration.ofMinutes(10), "mkfs.ext4")));

        assertEquals(
                List.of("tool_timeout", "verify", "format_timeout"),
                sections.section("oci").stream().map(Setting::key).toList());
    }

    @Test
    void aKeyDeclaredTwiceInOneSectionWithDifferentTypesIsAPluginError() {
        SettingSections sections = new SettingSections().declare("oci", "image source oci", List.of(TOOL_TIMEOUT));

        CocoonException e = assertThrows(
                CocoonException.class,
                () -> sections.declare(
                        "oci",
                        "disk builder oci",
                        List.of(Setting.size("tool_timeout", 1L << 30, "a size by the same name"))));

        assertEquals(
                "plugins disagree on [oci] tool_timeout: image source oci declares a duration with default 1h,"
                        + " disk builder oci a size with default 1G",
                e.getMessage());
        assertEquals(
                "remove the plugin jar that is wrong from the plugins folder, or report it to its author", e.hint());
    }

    @Test
    void sameTypeWithAnotherDefaultIsAPluginErrorToo() {
        SettingSections sections = new SettingSections().declare("oci", "image source oci", List.of(TOOL_TIMEOUT));

        assertThrows(
                CocoonException.class,
                () -> sections.declare(
                        "oci",
                        "disk builder oci",
                        List.of(Setting.duration("tool_timeout", Duration.ofMinutes(5), "shorter"))));
    }
}

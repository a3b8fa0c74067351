package cocoon.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import cocoon.api.Setting;
import cocoon.api.SettingKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingSyntaxTest {

    @Test
    void durationsAreWrittenInTheLargestUnitThatHoldsThemExactly() {
        assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("30s", Durations.format(Duration.ofSeconds(30)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("5m", Durations.format(Duration.ofMinutes(5)));
        assertEquals("1h", Durations.format(Duration.ofHours(1)));
        assertEquals("48h", Durations.format(Duration.ofDays(2)));
    }

    @Test
    void theOneSpellingOfEachKindIsReadAndOldSecondsAreMarked() {
        SettingKind<?> duration = new SettingKind.Duration();
        assertEquals(new SettingSyntax.Parsed(Duration.ofMillis(500), false), SettingSyntax.parse(duration, "500ms"));
        assertEquals(new SettingSyntax.Parsed(Duration.ofMinutes(5), false), SettingSyntax.parse(duration, "5m"));
        assertEquals(new SettingSyntax.Parsed(Duration.ofSeconds(30), true), SettingSyntax.parse(duration, "30"));
        assertEquals(new SettingSyntax.Parsed(Duration.ofMillis(250), true), SettingSyntax.parse(duration, "0.25"));
        assertNull(SettingSyntax.parse(duration, "0s"));
        assertNull(SettingSyntax.parse(duration, "soon"));

        SettingKind<?> size = new SettingKind.Size();
        assertEquals(new SettingSyntax.Parsed(64L << 30, false), SettingSyntax.parse(size, "64G"));
        assertEquals(new SettingSyntax.Parsed(512L << 20, false), SettingSyntax.parse(size, "512M"));
        assertNull(SettingSyntax.parse(size, "lots"));

        SettingKind<?> range = new SettingKind.WholeNumber(1, 16);
        assertEquals(new SettingSyntax.Parsed(16L, false), SettingSyntax.parse(range, "16"));
        assertNull(SettingSyntax.parse(range, "17"));

        assertEquals(
                new SettingSyntax.Parsed("tcg", false),
                SettingSyntax.parse(new SettingKind.Choice(List.of("auto", "kvm", "tcg")), "TCG"));
        assertEquals(
                new SettingSyntax.Parsed(Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"), false),
                SettingSyntax.parse(new SettingKind.Path(), "/usr/share/OVMF/OVMF_CODE_4M.fd"));
        assertNull(SettingSyntax.parse(new SettingKind.Bool(), "yes"));
    }

    @Test
    void everyDefaultWrittenOutReadsBackAsItself() {
        List<Setting<?>> settings = List.of(
                Setting.duration("a", Duration.ofMillis(1500), "x"),
                Setting.size("b", 1536L << 20, "x"),
                Setting.size("c", 1000, "x"),
                Setting.wholeNumber("d", 3, 1, 16, "x"),
                Setting.bool("e", true, "x"),
                Setting.text("f", "cocoon", "x"),
                Setting.path("g", Path.of("/var/lib/cocoon"), "x"),
                Setting.choice("h", "", List.of("", "lz4"), "x"));
        for (Setting<?> setting : settings) {
            String written = SettingSyntax.text(setting.kind(), setting.defaultValue());
            assertEquals(
                    setting.defaultValue(),
                    SettingSyntax.parse(setting.kind(), written).value(),
                    written);
        }
    }
}

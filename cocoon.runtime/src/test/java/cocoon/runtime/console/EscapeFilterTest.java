package cocoon.runtime.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.InvalidInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EscapeFilterTest {

    private static EscapeFilter.Result feed(EscapeFilter filter, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return filter.filter(bytes, bytes.length);
    }

    private static String sent(EscapeFilter.Result result) {
        return new String(result.toGuest(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void tildeDotAtTheVeryStartDisconnects() {
        EscapeFilter.Result r = feed(EscapeFilter.parse("~"), "~.");
        assertTrue(r.disconnect());
        assertEquals("", sent(r));
    }

    @Test
    void escapeCountsOnlyAfterCrOrLf() {
        EscapeFilter filter = EscapeFilter.parse("~");
        EscapeFilter.Result mid = feed(filter, "ls ~.x");
        assertFalse(mid.disconnect());
        assertEquals("ls ~.x", sent(mid));
        EscapeFilter.Result afterCr = feed(filter, "\r~.");
        assertTrue(afterCr.disconnect());
        assertEquals("\r", sent(afterCr));
        EscapeFilter lf = EscapeFilter.parse("~");
        feed(lf, "a");
        assertTrue(feed(lf, "\n~.").disconnect());
    }

    @Test
    void escapeSplitAcrossReadsStillWorks() {
        EscapeFilter filter = EscapeFilter.parse("~");
        EscapeFilter.Result first = feed(filter, "echo hi\r~");
        assertEquals("echo hi\r", sent(first));
        assertFalse(first.disconnect());
        assertTrue(feed(filter, ".").disconnect());
    }

    @Test
    void aTerminalReplyToTheCursorQueryAfterThePromptKeepsTheLineStart() {
        EscapeFilter filter = EscapeFilter.parse("~");
        assertEquals("echo hi\r", sent(feed(filter, "echo hi\r")));
        assertEquals("\u001b[18;9R", sent(feed(filter, "\u001b[18;9R")));
        EscapeFilter.Result help = feed(filter, "~?");
        assertTrue(help.help());
        assertEquals("", sent(help));
        EscapeFilter.Result split = feed(filter, "\u001b[4");
        assertEquals("\u001b[4", sent(split));
        assertEquals("0;1R", sent(feed(filter, "0;1R")));
        assertTrue(feed(filter, "~.").disconnect());
    }

    @Test
    void doubleTildeSendsOneAndOtherCharactersPassThrough() {
        EscapeFilter filter = EscapeFilter.parse("~");
        assertEquals("~", sent(feed(filter, "~~")));
        EscapeFilter other = EscapeFilter.parse("~");
        assertEquals("~x", sent(other.filter("~x".getBytes(StandardCharsets.UTF_8), 2)));
    }

    @Test
    void questionMarkAsksForHelpAndSendsNothing() {
        EscapeFilter.Result r = feed(EscapeFilter.parse("~"), "~?");
        assertTrue(r.help());
        assertEquals("", sent(r));
    }

    @Test
    void disabledEscapesPassEverything() {
        EscapeFilter.Result r = feed(EscapeFilter.parse("none"), "~.~?");
        assertFalse(r.disconnect());
        assertArrayEquals("~.~?".getBytes(StandardCharsets.UTF_8), r.toGuest());
    }

    @Test
    void customEscapeCharacter() {
        EscapeFilter filter = EscapeFilter.parse("%");
        assertEquals("~.", sent(feed(filter, "~.")));
        EscapeFilter fresh = EscapeFilter.parse("%");
        assertTrue(feed(fresh, "%.").disconnect());
    }

    @Test
    void rejectsMoreThanOneCharacter() {
        assertThrows(InvalidInputException.class, () -> EscapeFilter.parse("ab"));
        assertThrows(InvalidInputException.class, () -> EscapeFilter.parse(""));
    }
}

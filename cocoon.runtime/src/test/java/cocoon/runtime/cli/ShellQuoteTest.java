package cocoon.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellQuoteTest {

    @Test
    void quotesOnlyWhatTheShellWouldSplitOrExpand() {
        assertEquals("/usr/bin/x", ShellQuote.word("/usr/bin/x"));
        assertEquals("'/var/lib/my vms/a'", ShellQuote.word("/var/lib/my vms/a"));
        assertEquals("'it'\\''s'", ShellQuote.word("it's"));
        assertEquals("''", ShellQuote.word(""));
        assertEquals("'$HOME'", ShellQuote.word("$HOME"));
    }

    @Test
    void putsEachOptionOnItsOwnLine() {
        assertEquals(
                "qemu \\\n  -m 1024 \\\n  -name 'a b'",
                ShellQuote.command(List.of("qemu", "-m", "1024", "-name", "a b")));
    }
}

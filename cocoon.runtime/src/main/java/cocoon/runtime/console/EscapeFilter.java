package cocoon.runtime.console;

import cocoon.api.InvalidInputException;
import java.io.ByteArrayOutputStream;

/**
 * SSH-style escapes in what the user types: the escape character is special only at the start of
 * the session or right after a CR or LF. {@code ~.} disconnects, {@code ~?} asks for help,
 * {@code ~~} sends one {@code ~}; anything else after {@code ~} is sent as typed. State carries
 * across reads, so an escape split over two reads still works. Terminal escape sequences
 * ({@code ESC ...}) pass through without moving the line start: a shell that asks for the cursor
 * position after each prompt (busybox {@code ash} sends {@code ESC[6n}) gets the terminal's reply
 * {@code ESC[row;colR} on stdin, and {@code ~.} typed after it must still count as at line start.
 */
public final class EscapeFilter {

    /** What one chunk of input turned into. */
    @SuppressWarnings("ArrayRecordComponent") // bytes for the pty as they are; a Result is never compared or hashed
    public record Result(byte[] toGuest, boolean disconnect, boolean help) {}

    private static final int ESC = 0x1b;

    /** Where the input is within a terminal escape sequence. */
    private enum Sequence {
        NONE,
        AFTER_ESC,
        CSI,
        SS3
    }

    private final int escape;
    private boolean atLineStart = true;
    private boolean pending;
    private Sequence sequence = Sequence.NONE;

    private EscapeFilter(int escape) {
        this.escape = escape;
    }

    /** {@code none} disables escapes; otherwise exactly one character. */
    public static EscapeFilter parse(String spec) {
        if ("none".equals(spec)) {
            return new EscapeFilter(-1);
        }
        if (spec == null
                || spec.length() != 1
                || spec.charAt(0) > 127
                || (Character.isISOControl(spec.charAt(0)) && spec.charAt(0) != 0x1d)) {
            throw new InvalidInputException(
                    "invalid --escape-char '" + spec + "'", "give one printable character, or none");
        }
        return new EscapeFilter(spec.charAt(0));
    }

    public boolean enabled() {
        return escape >= 0;
    }

    /** The escape character as typed, for the attach hint. */
    public String character() {
        return enabled() ? String.valueOf((char) escape) : "";
    }

    public Result filter(byte[] buffer, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 1);
        boolean help = false;
        for (int i = 0; i < length; i++) {
            int b = buffer[i] & 0xff;
            if (!enabled()) {
                out.write(b);
                continue;
            }
            if (!pending && (sequence != Sequence.NONE || b == ESC) && continuesSequence(b)) {
                out.write(b);
                continue;
            }
            if (pending) {
                pending = false;
                if (b == '.') {
                    return new Result(out.toByteArray(), true, help);
                }
                if (b == '?') {
                    help = true;
                    atLineStart = true;
                    continue;
                }
                out.write(escape);
                if (b != escape) {
                    out.write(b);
                }
                atLineStart = b == '\r' || b == '\n';
                continue;
            }
            if (atLineStart && b == escape) {
                pending = true;
                continue;
            }
            out.write(b);
            atLineStart = b == '\r' || b == '\n';
        }
        return new Result(out.toByteArray(), false, help);
    }

    /** Advances the escape-sequence state; false when {@code b} is ordinary input (the sequence, if any, ended before it). */
    private boolean continuesSequence(int b) {
        if (b == ESC) {
            sequence = Sequence.AFTER_ESC;
            return true;
        }
        sequence = switch (sequence) {
            case NONE -> Sequence.NONE;
            case AFTER_ESC -> b == '[' ? Sequence.CSI : b == 'O' ? Sequence.SS3 : Sequence.NONE;
            // CSI: parameter and intermediate bytes 0x20-0x3f, then one final byte 0x40-0x7e.
            case CSI -> b >= 0x20 && b <= 0x3f ? Sequence.CSI : Sequence.NONE;
            case SS3 -> Sequence.NONE;
        };
        return sequence != Sequence.NONE || (b >= 0x20 && b <= 0x7e);
    }

    /** The text {@code ~?} prints. */
    public String helpText() {
        String e = character();
        return "Supported escape sequences (at the start of a line):\r\n"
                + "  " + e + ".  disconnect\r\n"
                + "  " + e + "?  this help\r\n"
                + "  " + e + e + "  send one " + e + "\r\n";
    }
}

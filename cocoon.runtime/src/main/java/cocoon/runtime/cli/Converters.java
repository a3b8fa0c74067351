package cocoon.runtime.cli;

import cocoon.api.CocoonException;
import cocoon.runtime.config.Durations;
import cocoon.runtime.config.Sizes;
import java.time.Duration;
import picocli.CommandLine;

/** picocli converters so bad sizes and durations are usage errors with the parser's own message. */
final class Converters {

    private Converters() {}

    static final class Size implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Sizes.parse(value);
            } catch (CocoonException e) {
                throw new CommandLine.TypeConversionException(e.getMessage() + ": " + e.hint());
            }
        }
    }

    static final class Time implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (CocoonException e) {
                throw new CommandLine.TypeConversionException(e.getMessage() + ": " + e.hint());
            }
        }
    }
}

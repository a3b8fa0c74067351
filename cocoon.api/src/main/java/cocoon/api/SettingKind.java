package cocoon.api;

import java.util.List;

/**
 * What a {@link Setting} accepts. The runtime owns the one syntax of each kind (durations {@code 500ms},
 * {@code 30s}, {@code 5m}, {@code 1h}; sizes {@code 512M}, {@code 64G}) and hands the plugin the Java value.
 *
 * @param <T> the type {@link SettingValues#get} returns
 */
public sealed interface SettingKind<T> {

    Class<T> javaType();

    /** A positive length of time. */
    record Duration() implements SettingKind<java.time.Duration> {
        @Override
        public Class<java.time.Duration> javaType() {
            return java.time.Duration.class;
        }
    }

    /** A number of bytes, zero or more. */
    record Size() implements SettingKind<Long> {
        @Override
        public Class<Long> javaType() {
            return Long.class;
        }
    }

    /** A whole number from {@code min} to {@code max}, both included. */
    record WholeNumber(long min, long max) implements SettingKind<Long> {
        public WholeNumber {
            if (min > max) {
                throw new IllegalArgumentException("empty range " + min + ".." + max);
            }
        }

        @Override
        public Class<Long> javaType() {
            return Long.class;
        }
    }

    /** {@code true} or {@code false}. */
    record Bool() implements SettingKind<Boolean> {
        @Override
        public Class<Boolean> javaType() {
            return Boolean.class;
        }
    }

    /**
     * Text: a program name, a login; empty only where {@code mayBeEmpty}, for an optional value whose empty text
     * means none (so what {@code cocoon config} prints for its default is itself a valid config file).
     */
    record Text(boolean mayBeEmpty) implements SettingKind<String> {
        @Override
        public Class<String> javaType() {
            return String.class;
        }
    }

    /** A file or folder on this host. */
    record Path() implements SettingKind<java.nio.file.Path> {
        @Override
        public Class<java.nio.file.Path> javaType() {
            return java.nio.file.Path.class;
        }
    }

    /** One of a fixed list of words, matched regardless of case; the value is the word as listed. */
    record Choice(List<String> words) implements SettingKind<String> {
        public Choice {
            words = List.copyOf(words);
            if (words.isEmpty()) {
                throw new IllegalArgumentException("a choice needs at least one word");
            }
        }

        @Override
        public Class<String> javaType() {
            return String.class;
        }
    }
}

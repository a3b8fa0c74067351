#!/usr/bin/env bash
# Assembles target/cocoon: a jlink'd JDK holding only the platform modules the app needs, the
# application and plugin jars on its module path (jib-core's automatic modules cannot be jlinked),
# bin/cocoon, an empty plugins/ folder, an ahead-of-time (class-data-sharing) cache, and a tarball of it all.
set -euo pipefail
java_home=$1 target=$2 version=$3
image="$target/cocoon"
app="$target/app-modules"

rm -rf "$image"
platform_modules=$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 21 \
  --module-path "$app" --add-modules ALL-MODULE-PATH)
# Reached only by reflection or service lookup, which jdeps cannot see: TLS curves, JNDI and SQL types
# that jib's HTTP stack and Jackson probe for, and zip file systems.
platform_modules="$platform_modules,jdk.crypto.ec,jdk.zipfs,java.naming,java.sql,java.net.http,java.management"
"$java_home/bin/jlink" --add-modules "$platform_modules" --output "$image" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 --generate-cds-archive
mkdir -p "$image/lib/app" "$image/plugins"
cp "$app"/*.jar "$image/lib/app/"
# picocli is compiled for Java 5: the AOT cache skips such classes (and every command class that
# implements a picocli interface), so each start would parse and verify ~180 classes from the jar.
picocli=$(basename "$app"/picocli-*.jar)
"$java_home/bin/java" --class-path "$(echo "$app"/asm-[0-9]*.jar)" "$(dirname "$0")/ClassVersionUpgrade.java" \
  "$app/$picocli" "$image/lib/app/$picocli"
install -m 0755 "$(dirname "$0")/cocoon" "$image/bin/cocoon"

# Ahead-of-time caches (class data sharing plus linked classes): cocoon.runtime.AotTraining runs the
# everyday commands over a scratch store of VM records in one JVM, with exactly the launcher's module
# options, so every later start maps what they load instead of reading and linking it from the jars.
# A second, small cache holds only what version, help and completion load: a JVM loads every class of
# its cache at start, and those commands would pay for the store cache's Jackson classes.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for cache in store cli; do
  "$image/bin/java" -XX:AOTCacheOutput="$image/lib/cocoon-$cache.aot" -Xlog:aot=error -Xlog:cds=error \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djdk.reflect.useNativeAccessorOnly=true \
    --sun-misc-unsafe-memory-access=allow --enable-native-access=com.sun.jna \
    -Dcocoon.home="$image" --module-path "$image/lib/app" --add-modules ALL-MODULE-PATH \
    --module cocoon.runtime/cocoon.runtime.AotTraining "$cache" "$scratch/$cache" > "$scratch/aot-$cache.log" 2>&1 &&
  test -s "$image/lib/cocoon-$cache.aot" || {
    cat "$scratch/aot-$cache.log" >&2; echo "assemble: the $cache AOT cache was not written" >&2; exit 1; }
done

"$image/bin/cocoon" version > /dev/null
tar -C "$target" -czf "$target/cocoon-$version-linux-x86_64.tar.gz" cocoon
echo "assembled $image ($(du -sh "$image" | cut -f1))"

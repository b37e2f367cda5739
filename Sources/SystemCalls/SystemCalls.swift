/// The one system layer: the only module that imports Glibc. File descriptors
/// (`FileDescriptor`: open with `O_NOFOLLOW`/`O_NONBLOCK`/`O_CLOEXEC`, read, write, fsync,
/// fdatasync, poll, close), paths (`FileStatus`, `FileSystem`), sockets, clocks, users,
/// signals, child processes and the environment, each C name turned into a Swift word, as
/// swift-system does. A failed call throws `Errno` (the code, the call and the path, with
/// `strerror`'s text): no other module reads `errno`. `EINTR` is retried here.
///
/// Known exceptions, for now: `Reconciler` and `Store` still import Glibc themselves
/// (`SystemLayerTests` lists them); the C shims `CSystem` and `CHTTP` are C.
public enum SystemCalls {}

package index

import (
	"sync"
	"syscall"
	"unsafe"
)

// The table's large arrays hold no pointers (term ids, numbers, arena
// values, log offsets), so they live outside the Go heap, in anonymous
// memory mappings. The garbage collector sizes the heap at about twice
// what is live; with the table's 300 MB of arrays at 1M creators counted
// as live, a serving process sat at 1.35 GB resident. Outside the heap
// they are counted once. A table frees its mappings when its generation
// is closed (no search can hold it then), and a column that grows frees
// its old mapping under the table's write lock (searches hold the read
// lock while they use the table, and keep no slice of it after).

var offHeapMu sync.Mutex
var offHeapRegions = map[uintptr][]byte{} // base address -> mapping

// offAlloc returns a zeroed slice of n elements of a pointer-free type
// outside the Go heap; if the system refuses a mapping, an ordinary one.
func offAlloc[T any](n int) []T {
	if n <= 0 {
		return nil
	}
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]T, n)
	}
	offHeapMu.Lock()
	offHeapRegions[uintptr(unsafe.Pointer(&b[0]))] = b
	offHeapMu.Unlock()
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

// offFree releases the mapping s starts, if offAlloc made one; a slice
// of the Go heap or one starting inside a mapping is left alone. Nothing
// may use the mapping afterwards.
func offFree[T any](s []T) {
	if cap(s) == 0 {
		return
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	offHeapMu.Lock()
	b, ok := offHeapRegions[base]
	delete(offHeapRegions, base)
	offHeapMu.Unlock()
	if ok {
		syscall.Munmap(b)
	}
}

// offGrow returns s with room for at least n elements, moving it to a new
// mapping (and freeing the old) when it has not.
func offGrow[T any](s []T, n int) []T {
	if n <= cap(s) {
		return s
	}
	grown := offAlloc[T](max(n, cap(s)+cap(s)/4, 1024))[:len(s)]
	copy(grown, s)
	offFree(s)
	return grown
}

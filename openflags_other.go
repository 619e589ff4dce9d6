//go:build !unix

package streamkap

// openNonBlocking is 0 where opening a FIFO cannot block a reader.
const openNonBlocking = 0

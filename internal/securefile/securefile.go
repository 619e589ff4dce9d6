// Package securefile writes files that hold secrets: readable by their
// owner only, and replaced atomically.
package securefile

import (
	"os"
	"path/filepath"
)

// Write writes data to path with mode 0600, replacing any file there
// atomically: the content goes to a temporary file in the same directory
// (so that the rename stays on one file system), is synced, and renamed
// over path. A failed write leaves no temporary file behind.
func Write(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file 0600 already; Chmod states it, whatever the umask.
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

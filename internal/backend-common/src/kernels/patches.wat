;; The patches of a 2-D convolution, NHWC float32, in the wasm backend's
;; memory: one row of `col` per output pixel (n, oy, ox), holding the input
;; window [ky, kx, c] it sees (kh kw c values; the row is $ldcol floats long),
;; for $count consecutive output pixels from the flat index $first (callers
;; go through the pixels in blocks, so that col stays in cache).
;;
;;   mode 0 (im2col): col[row, (ky, kx, ch)] = x[n, oy sh - pt + ky, ox sw - pl + kx, ch],
;;                    0 where that is outside x (the padding) and in the row's
;;                    tail past kh kw c;
;;   mode 1 (col2im): x[n, iy, ix, ch] += col[row, (ky, kx, ch)] for every window
;;                    position inside x: the scatter-add of the transposed
;;                    convolution (the caller zeroes x first).
;;
;; A window row (fixed ky) is kw c consecutive floats both in col and, where
;; inside x, in x: each is moved as one run, 4 lanes at a time.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared

  ;; Mode 0 writes whole vectors: a run of count floats at dst is written as
  ;; ceil(count / 4) vectors, up to 3 floats past its end (and reads as far
  ;; past the end of its source, still inside the heap). Every such overshoot
  ;; lands where a later write of the same row, or of a later row, goes (the
  ;; caller leaves 4 floats of slack after col's last row): runs are written in
  ;; order, left to right. Mode 1 adds into x and so is exact.

  ;; count floats at dst set to 0, whole vectors
  (func $zero (param $dst i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next))))

  ;; count floats from src to dst, whole vectors
  (func $copy (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next))))

  ;; dst[0..count) += src[0..count), exactly
  (func $add (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $count) (i32.const 2))))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $next))))

  (func (export "patches")
    (param $x i32) (param $col i32)
    (param $h i32) (param $w i32) (param $c i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
    (param $oh i32) (param $ow i32) (param $ldcol i32) (param $mode i32)
    (param $first i32) (param $count i32)  ;; the output pixels (flat over n, oy, ox) whose rows col holds, from row 0
    (local $n i32) (local $oy i32) (local $ox i32) (local $ky i32)
    (local $row i32)  ;; col[row, 0]
    (local $dst i32)  ;; col[row, (ky, 0, 0)]
    (local $iy i32) (local $ix0 i32)  ;; the window's first input row of this ky, first input column
    (local $lo i32) (local $hi i32)  ;; the kx inside x: [lo, hi)
    (local $image i32)  ;; x[n, 0, 0, 0]
    (local $wc4 i32)  ;; bytes per input row
    (local $kwc i32)  ;; kw c: floats per window row
    (local $left i32)  ;; pixels left
    (local $src i32) (local $p i32) (local $end i32)  ;; the inline copy
    (local.set $wc4 (i32.shl (i32.mul (local.get $w) (local.get $c)) (i32.const 2)))
    (local.set $kwc (i32.mul (local.get $kw) (local.get $c)))
    (local.set $row (local.get $col))
    ;; the first pixel: n, oy, ox
    (local.set $n (i32.div_u (local.get $first) (i32.mul (local.get $oh) (local.get $ow))))
    (local.set $ox (i32.rem_u (local.get $first) (i32.mul (local.get $oh) (local.get $ow))))
    (local.set $oy (i32.div_u (local.get $ox) (local.get $ow)))
    (local.set $ox (i32.rem_u (local.get $ox) (local.get $ow)))
    (local.set $image (i32.add (local.get $x) (i32.mul (local.get $n) (i32.mul (local.get $h) (local.get $wc4)))))
    (local.set $left (local.get $count))
    (block $pixels_done
      (loop $next_pixel
        (br_if $pixels_done (i32.eqz (local.get $left)))
        (local.set $ix0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $pl)))
        ;; kx inside x: 0 <= ix0 + kx < w
        (local.set $lo (select (i32.sub (i32.const 0) (local.get $ix0)) (i32.const 0) (i32.lt_s (local.get $ix0) (i32.const 0))))
        (local.set $hi (select (i32.sub (local.get $w) (local.get $ix0)) (local.get $kw)
          (i32.lt_s (i32.sub (local.get $w) (local.get $ix0)) (local.get $kw))))
        (if (i32.gt_s (local.get $lo) (local.get $kw)) (then (local.set $lo (local.get $kw))))  ;; padding wider than the kernel
        (if (i32.lt_s (local.get $hi) (local.get $lo)) (then (local.set $hi (local.get $lo))))
        (local.set $dst (local.get $row))
        (local.set $ky (i32.const 0))
        (block $ky_done
          (loop $next_ky
            (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $kh)))
            (local.set $iy (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $pt)) (local.get $ky)))
            (if (i32.or (i32.lt_s (local.get $iy) (i32.const 0)) (i32.ge_s (local.get $iy) (local.get $h)))
              (then  ;; the whole window row is padding
                (if (i32.eqz (local.get $mode)) (then (call $zero (local.get $dst) (local.get $kwc)))))
              (else
                (if (local.get $mode)
                  (then  ;; x += col, the part inside x
                    (if (i32.gt_s (local.get $hi) (local.get $lo))
                      (then
                        (call $add
                          (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $lo) (local.get $c)) (i32.const 2)))
                          (i32.add
                            (i32.add (local.get $image) (i32.mul (local.get $iy) (local.get $wc4)))
                            (i32.shl (i32.mul (i32.add (local.get $ix0) (local.get $lo)) (local.get $c)) (i32.const 2)))
                          (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $c))))))
                  (else
                   (if (i32.and (i32.eqz (local.get $lo)) (i32.eq (local.get $hi) (local.get $kw)))
                    (then  ;; the whole window row inside x (the common case): copied inline
                      (local.set $src
                        (i32.add
                          (i32.add (local.get $image) (i32.mul (local.get $iy) (local.get $wc4)))
                          (i32.shl (i32.mul (local.get $ix0) (local.get $c)) (i32.const 2))))
                      (local.set $p (local.get $dst))
                      (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $kwc) (i32.const 2))))
                      (loop $next_vector
                        (v128.store (local.get $p) (v128.load (local.get $src)))
                        (local.set $src (i32.add (local.get $src) (i32.const 16)))
                        (local.set $p (i32.add (local.get $p) (i32.const 16)))
                        (br_if $next_vector (i32.lt_u (local.get $p) (local.get $end)))))
                    (else  ;; zeros left of x, the part inside x, zeros right of x: in this order (overshoots)
                    (if (local.get $lo) (then (call $zero (local.get $dst) (i32.mul (local.get $lo) (local.get $c)))))
                    (call $copy
                      (i32.add
                        (i32.add (local.get $image) (i32.mul (local.get $iy) (local.get $wc4)))
                        (i32.shl (i32.mul (i32.add (local.get $ix0) (local.get $lo)) (local.get $c)) (i32.const 2)))
                      (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $lo) (local.get $c)) (i32.const 2)))
                      (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $c)))
                    (if (i32.lt_s (local.get $hi) (local.get $kw))
                      (then
                        (call $zero
                          (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $hi) (local.get $c)) (i32.const 2)))
                          (i32.mul (i32.sub (local.get $kw) (local.get $hi)) (local.get $c)))))))))))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $kwc) (i32.const 2))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $next_ky)))
        ;; the row's tail past kh kw c
        (if (i32.eqz (local.get $mode))
          (then
            (call $zero (local.get $dst)
              (i32.sub (local.get $ldcol) (i32.mul (local.get $kh) (local.get $kwc))))))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $ldcol) (i32.const 2))))
        ;; the next pixel
        (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
        (if (i32.eq (local.get $ox) (local.get $ow))
          (then
            (local.set $ox (i32.const 0))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (if (i32.eq (local.get $oy) (local.get $oh))
              (then
                (local.set $oy (i32.const 0))
                (local.set $image (i32.add (local.get $image) (i32.mul (local.get $h) (local.get $wc4))))))))
        (local.set $left (i32.sub (local.get $left) (i32.const 1)))
        (br $next_pixel))))
)

;; out[j] += x[r, j] for every row r of a row-major float32 matrix, 4 columns
;; at a time with 128-bit SIMD: the sum over leading axes (a bias gradient
;; summed over the batch) without the transpose tfjs' kernel makes first.
;; The caller zeroes out; $row_bytes is a multiple of 16.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "columnSums") (param $x i32) (param $out i32) (param $rows i32) (param $row_bytes i32)
    (local $r i32) (local $j i32)
    (block $rows_done
      (loop $next_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $row_done
          (loop $next_column
            (br_if $row_done (i32.ge_u (local.get $j) (local.get $row_bytes)))
            (v128.store (i32.add (local.get $out) (local.get $j))
              (f32x4.add
                (v128.load (i32.add (local.get $out) (local.get $j)))
                (v128.load (i32.add (local.get $x) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next_column)))
        (local.set $x (i32.add (local.get $x) (local.get $row_bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next_row))))
)

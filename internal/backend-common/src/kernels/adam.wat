;; One Adam update with 128-bit SIMD, directly on the wasm backend's memory
;; (it imports that memory, so no tensor is copied in or out):
;;
;;   m' = b1 m + c1 g              c1 = 1 - b1
;;   v' = b2 v + c2 g^2            c2 = 1 - b2
;;   w' = w - s (m' / (sqrt(v') r + eps))
;;                                 s = lr / (1 - b1^t), r = 1 / sqrt(1 - b2^t)
;;
;; The ratio first, as tf.train.adam does: it stays bounded, where s m' can
;; overflow to infinity and, over an infinite v', give NaN (with a huge rate).
;;
;; The pointers are byte offsets of float32 arrays; $bytes is a multiple of 16
;; (whole groups of 4 floats): the caller finishes the tail.
(module
  (import "env" "memory" (memory 0))               ;; @if !shared
  (import "env" "memory" (memory 0 65536 shared))  ;; @if shared
  (func (export "adam")
    (param $w_in i32) (param $m_in i32) (param $v_in i32) (param $g_in i32)
    (param $w_out i32) (param $m_out i32) (param $v_out i32) (param $bytes i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $s f32) (param $r f32) (param $eps f32)
    (local $i i32)
    ;; the constants, one per lane
    (local $b1x4 v128) (local $c1x4 v128) (local $b2x4 v128) (local $c2x4 v128)
    (local $sx4 v128) (local $rx4 v128) (local $epsx4 v128)
    (local $g v128) (local $m v128) (local $v v128)
    (local.set $b1x4 (f32x4.splat (local.get $b1)))
    (local.set $c1x4 (f32x4.splat (local.get $c1)))
    (local.set $b2x4 (f32x4.splat (local.get $b2)))
    (local.set $c2x4 (f32x4.splat (local.get $c2)))
    (local.set $sx4 (f32x4.splat (local.get $s)))
    (local.set $rx4 (f32x4.splat (local.get $r)))
    (local.set $epsx4 (f32x4.splat (local.get $eps)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $g (v128.load (i32.add (local.get $g_in) (local.get $i))))
        ;; m' = b1 m + c1 g
        (local.set $m
          (f32x4.add
            (f32x4.mul (local.get $b1x4) (v128.load (i32.add (local.get $m_in) (local.get $i))))
            (f32x4.mul (local.get $c1x4) (local.get $g))))
        ;; v' = b2 v + c2 g^2
        (local.set $v
          (f32x4.add
            (f32x4.mul (local.get $b2x4) (v128.load (i32.add (local.get $v_in) (local.get $i))))
            (f32x4.mul (local.get $c2x4) (f32x4.mul (local.get $g) (local.get $g)))))
        (v128.store (i32.add (local.get $m_out) (local.get $i)) (local.get $m))
        (v128.store (i32.add (local.get $v_out) (local.get $i)) (local.get $v))
        ;; w' = w - s (m' / (sqrt(v') r + eps))
        (v128.store (i32.add (local.get $w_out) (local.get $i))
          (f32x4.sub
            (v128.load (i32.add (local.get $w_in) (local.get $i)))
            (f32x4.mul
              (local.get $sx4)
              (f32x4.div
                (local.get $m)
                (f32x4.add
                  (f32x4.mul (f32x4.sqrt (local.get $v)) (local.get $rx4))
                  (local.get $epsx4))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
)
